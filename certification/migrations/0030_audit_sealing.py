"""Issue 18: audit rows are appended without a lock and sealed into the chain by a worker.

`audit_record` no longer takes the chain's lock nor reads the previous hash: it inserts the row
with a keyed MAC of its content (`mac`), and the sealer (certification/audit.py, audit_seal)
later gives committed rows their place in the chain (`seq`, `prev_hash`, `hash`). The rows
written before are already chained in id order from the genesis hash; they are numbered in that
order here (so checkpoints written before stay valid: their row count is the head's `seq`).

`hash` loses its unique index (the chain's position `seq` is the unique one): one index fewer
to write on every audited insert and every seal.

The append-only UPDATE trigger is replaced by one that lets exactly the sealing through (the
three sealing columns go from NULL to a value once, nothing else changes); DELETE stays refused.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

NUMBER_EXISTING_ROWS = """
UPDATE certification_auditevent AS a SET seq = n.seq
FROM (SELECT id, row_number() OVER (ORDER BY id) AS seq FROM certification_auditevent) AS n
WHERE a.id = n.id
"""


class Migration(migrations.Migration):
    dependencies = [("certification", "0029_outbox")]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="auditevent", name="append_only_no_update"),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        # The column is dropped on the way back, so there is nothing to undo here.
        migrations.RunSQL(NUMBER_EXISTING_ROWS, reverse_sql=migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("seq", None)), fields=["id"], name="audit_unsealed"
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only_no_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (NOT (OLD.seq IS NULL AND OLD.hash IS NULL AND OLD.prev_hash IS NULL AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL AND (to_jsonb(OLD) - 'seq' - 'hash' - 'prev_hash') = (to_jsonb(NEW) - 'seq' - 'hash' - 'prev_hash')))",  # noqa: E501
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",  # noqa: E501
                    hash="4f6b21be928b29e8c5f7f16efb888f35460d8f78",
                    operation="UPDATE",
                    pgid="pgtrigger_append_only_no_update_88178",
                    table="certification_auditevent",
                    when="BEFORE",
                ),
            ),
        ),
    ]
