# Issue 20 (D-38): the credit file (诚信档案), append-only.
import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0026_work_certificate_rule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CreditRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "subject_kind",
                    models.CharField(
                        choices=[("organisation", "机构"), ("person", "个人")],
                        max_length=16,
                        verbose_name="对象类型",
                    ),
                ),
                ("person_index", models.CharField(blank=True, db_index=True, max_length=64)),
                ("person_name", models.CharField(blank=True, max_length=64, verbose_name="姓名")),
                (
                    "person_id_masked",
                    models.CharField(blank=True, max_length=40, verbose_name="证件号码"),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("ban", "禁入"),
                            ("certificate_fraud", "证书造假撤销"),
                            ("subsidy_fraud", "骗取补贴"),
                            ("false_training", "虚假培训"),
                            ("other_violation", "其他违规"),
                            ("commendation", "表彰"),
                        ],
                        max_length=20,
                        verbose_name="类别",
                    ),
                ),
                ("decision_number", models.CharField(max_length=64, verbose_name="决定文号")),
                ("authority", models.CharField(max_length=128, verbose_name="决定机关")),
                ("decision_date", models.DateField(verbose_name="决定日期")),
                ("summary", models.TextField(blank=True, verbose_name="事由摘要")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "annuls",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="annulled_by",
                        to="certification.creditrecord",
                        verbose_name="撤销更正的记录",
                    ),
                ),
                (
                    "ban",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certification.banentry",
                    ),
                ),
                (
                    "certificate",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certification.certificate",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_records",
                        to="certification.organisation",
                        verbose_name="机构",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_records",
                        to="certification.person",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certification.region",
                        verbose_name="登记地区",
                    ),
                ),
                (
                    "subsidy_application",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certification.subsidyapplication",
                    ),
                ),
            ],
            options={
                "verbose_name": "诚信档案记录",
                "verbose_name_plural": "诚信档案记录",
                "ordering": ["-decision_date", "-id"],
                "indexes": [
                    models.Index(
                        fields=["region", "decision_date"], name="certificati_region__27752b_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("organisation__isnull", False),
                                ("person__isnull", True),
                                ("person_index", ""),
                                ("subject_kind", "organisation"),
                            ),
                            models.Q(
                                ("organisation__isnull", True),
                                ("subject_kind", "person"),
                                models.Q(("person_index", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="credit_record_one_subject",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("decision_number", ""), _negated=True),
                            models.Q(("authority", ""), _negated=True),
                        ),
                        name="credit_record_documented",
                    ),
                ],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="creditrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only_no_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",
                    hash="ba417d1b54434dac3e42e75c9a33c53d16d5b5ab",
                    operation="UPDATE",
                    pgid="pgtrigger_append_only_no_update_23a00",
                    table="certification_creditrecord",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="creditrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only_no_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="9d4d5d5c8f55d4e9d87d3ccd6741e12d23581f7f",
                    operation="DELETE",
                    pgid="pgtrigger_append_only_no_delete_9c814",
                    table="certification_creditrecord",
                    when="BEFORE",
                ),
            ),
        ),
    ]
