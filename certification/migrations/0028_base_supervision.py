# Issue 20 (D-39): accreditation status and the regulators' decisions on it.
import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

STATUS_CHOICES = [("active", "有效"), ("suspended", "已暂停"), ("withdrawn", "已撤销")]


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0027_credit_records"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accreditation",
            name="status",
            field=models.CharField(
                choices=STATUS_CHOICES, default="active", max_length=16, verbose_name="资质状态"
            ),
        ),
        migrations.CreateModel(
            name="AccreditationDecision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[("suspend", "暂停"), ("reinstate", "恢复"), ("withdraw", "撤销")],
                        max_length=16,
                        verbose_name="决定",
                    ),
                ),
                ("from_status", models.CharField(choices=STATUS_CHOICES, max_length=16)),
                ("to_status", models.CharField(choices=STATUS_CHOICES, max_length=16)),
                ("decision_number", models.CharField(max_length=64, verbose_name="决定文号")),
                ("reason", models.CharField(max_length=500, verbose_name="理由")),
                ("decided_on", models.DateField(verbose_name="决定日期")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "accreditation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="certification.accreditation",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "培训资质监管决定",
                "verbose_name_plural": "培训资质监管决定",
                "ordering": ["-decided_on", "-id"],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="accreditationdecision",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only_no_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",
                    hash="8dd64646838781c789d23f92ad92cbbcf7d8c8b0",
                    operation="UPDATE",
                    pgid="pgtrigger_append_only_no_update_d687f",
                    table="certification_accreditationdecision",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="accreditationdecision",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only_no_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="b305f6e83b80393f26d3a000faddf7ec13b15cc3",
                    operation="DELETE",
                    pgid="pgtrigger_append_only_no_delete_4dfbe",
                    table="certification_accreditationdecision",
                    when="BEFORE",
                ),
            ),
        ),
    ]
