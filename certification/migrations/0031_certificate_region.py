"""Issue 18: a certificate row carries its region (the holder's at issue), so the regulator
dashboard counts certificates per region and month without joining every person.

Existing rows take their holder's current region (the best record of where they were issued
for); the indexes (issued and revoked per region and month) are built after the backfill,
which is cheaper than maintaining them row by row.
"""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
UPDATE certification_certificate
SET region_id = (
    SELECT p.region_id FROM certification_person p
    WHERE p.id = certification_certificate.person_id
)
WHERE region_id IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("certification", "0030_audit_sealing")]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="region",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="certification.region",
                verbose_name="发证时所在地区",
            ),
        ),
        # Reversed by dropping the column (the AddField's reverse), so nothing to undo here.
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                fields=["region", "issue_date"], name="certificati_region__410019_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                condition=models.Q(revoked_at__isnull=False),
                fields=["region", "revoked_at"],
                name="certificate_region_revoked",
            ),
        ),
    ]
