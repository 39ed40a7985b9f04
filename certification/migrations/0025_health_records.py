# Issue 20 (D-36): yearly health checks and health-care trainings.
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0024_signed_credentials"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HealthCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("check_date", models.DateField(verbose_name="体检日期")),
                (
                    "result",
                    models.CharField(
                        choices=[("fit", "合格"), ("unfit", "不合格")],
                        max_length=8,
                        verbose_name="体检结论",
                    ),
                ),
                ("hospital", models.CharField(max_length=128, verbose_name="体检医院")),
                (
                    "certificate_number",
                    models.CharField(blank=True, max_length=64, verbose_name="健康证号"),
                ),
                (
                    "valid_until",
                    models.DateField(blank=True, null=True, verbose_name="健康证有效期至"),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "institution",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="health_checks",
                        to="certification.organisation",
                        verbose_name="登记机构",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="health_checks",
                        to="certification.person",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "年度体检记录",
                "verbose_name_plural": "年度体检记录",
                "ordering": ["-check_date", "-pk"],
                "indexes": [
                    models.Index(fields=["person", "-check_date"], name="health_check_person_date"),
                    models.Index(fields=["valid_until"], name="health_check_valid_until"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("person", "check_date"), name="health_check_one_a_day"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("valid_until__isnull", True),
                            ("valid_until__gte", models.F("check_date")),
                            _connector="OR",
                        ),
                        name="health_check_valid_after_check",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="HealthTraining",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("training_date", models.DateField(verbose_name="培训日期")),
                (
                    "hours",
                    models.DecimalField(
                        decimal_places=1,
                        max_digits=5,
                        validators=[django.core.validators.MinValueValidator(Decimal("0.5"))],
                        verbose_name="培训学时",
                    ),
                ),
                ("provider", models.CharField(max_length=128, verbose_name="培训机构/主题")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "institution",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="health_trainings",
                        to="certification.organisation",
                        verbose_name="登记机构",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="health_trainings",
                        to="certification.person",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "卫生保健培训记录",
                "verbose_name_plural": "卫生保健培训记录",
                "ordering": ["-training_date", "-pk"],
                "indexes": [
                    models.Index(
                        fields=["person", "-training_date"], name="health_training_person_date"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("hours__gt", 0)), name="health_training_hours"
                    )
                ],
            },
        ),
        # The health-check import (ImportJob pipeline) and the expiry reminder's notice kind.
        migrations.AlterField(
            model_name="importjob",
            name="kind",
            field=models.CharField(
                choices=[
                    ("skill_certificates", "职业技能等级证书"),
                    ("bans", "禁入登记"),
                    ("roster", "班次名单"),
                    ("staff_roster", "机构花名册"),
                    ("health_checks", "年度体检记录"),
                ],
                default="skill_certificates",
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("cycle_reminder", "学时提醒"),
                    ("ban_alert", "禁入预警"),
                    ("certificate", "证书"),
                    ("subsidy", "补贴"),
                    ("health_reminder", "健康证到期提醒"),
                    ("system", "系统"),
                ],
                max_length=24,
            ),
        ),
    ]
