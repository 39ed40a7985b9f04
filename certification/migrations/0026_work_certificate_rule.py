# Issue 20 (D-37): 持证上岗 rules per region and role.
import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("certification", "0025_health_records")]

    operations = [
        migrations.CreateModel(
            name="WorkCertificateRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("effective_from", models.DateField(verbose_name="生效日期")),
                (
                    "effective_to",
                    models.DateField(blank=True, null=True, verbose_name="失效日期"),
                ),
                (
                    "note",
                    models.CharField(blank=True, max_length=255, verbose_name="依据/说明"),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[("caregiver", "保育人员"), ("director", "托育机构负责人")],
                        max_length=16,
                        verbose_name="岗位",
                    ),
                ),
                ("required", models.BooleanField(default=True, verbose_name="要求持证上岗")),
                (
                    "grace_months",
                    models.PositiveSmallIntegerField(
                        default=6,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(60),
                        ],
                        verbose_name="入职后取得证书期限（月）",
                    ),
                ),
                (
                    "accepts_training",
                    models.BooleanField(default=True, verbose_name="认可本岗位培训合格证书"),
                ),
                (
                    "accepts_skill_level",
                    models.BooleanField(default=True, verbose_name="认可职业技能等级证书"),
                ),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certification.region",
                        verbose_name="适用地区（空为全国）",
                    ),
                ),
            ],
            options={
                "verbose_name": "持证上岗要求",
                "verbose_name_plural": "持证上岗要求",
                "indexes": [
                    models.Index(
                        fields=["role", "effective_from"], name="certificati_role_63881c_idx"
                    )
                ],
            },
        ),
    ]
