# One import-job mechanism for large Excel imports run in Celery: the D-19 skill-level
# certificate import's job becomes ImportJob with a kind, and D-22 ban imports use it too.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0010_skill_certificate_imports"),
    ]

    operations = [
        migrations.RenameModel(old_name="SkillCertificateImport", new_name="ImportJob"),
        migrations.RenameField(model_name="importjob", old_name="issued", new_name="saved"),
        migrations.AddField(
            model_name="importjob",
            name="kind",
            field=models.CharField(
                choices=[("skill_certificates", "职业技能等级证书"), ("bans", "禁入登记")],
                default="skill_certificates",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="importjob",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="certification.region",
            ),
        ),
        migrations.AddField(
            model_name="importjob",
            name="ip",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
    ]
