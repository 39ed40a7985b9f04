"""Issue 14: the audit chain becomes keyed (HMAC with AUDIT_CHAIN_KEY, see certification/audit.py).

The rows written before were chained with plain SHA-256, which anyone able to write the table
could recompute. They are re-chained once, here, with the key — the only time the append-only
triggers are set aside — so that `verify_audit` needs no unkeyed fallback (one would let a
forger rewrite the whole table with plain SHA-256). Checkpoints start after this migration."""

import pgtrigger
from django.db import migrations


def rechain_with_the_key(apps, schema_editor):
    from certification.audit import GENESIS_HASH, audit_hash  # noqa: PLC0415 - the app's rule

    AuditEvent = apps.get_model("certification", "AuditEvent")
    prev = GENESIS_HASH
    with pgtrigger.ignore("certification.AuditEvent:append_only_no_update"):
        for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
            new = audit_hash(event, prev)
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new)
            prev = new


class Migration(migrations.Migration):
    dependencies = [("certification", "0017_import_job_roster")]

    operations = [migrations.RunPython(rechain_with_the_key, migrations.RunPython.noop)]
