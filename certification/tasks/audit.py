"""The audit chain's periodic work (certification/audit.py): sealing every few seconds, and the
hourly signed checkpoint."""

from celery import shared_task

from certification.audit import audit_checkpoint_write, audit_seal


@shared_task(name="certification.audit_seal", ignore_result=True)
def audit_seal_due() -> int:
    """Chain the rows committed since the last run; a run already sealing makes this one a
    no-op. Returns the rows sealed."""
    return audit_seal(wait=False)


@shared_task(name="certification.audit_checkpoint")
def audit_checkpoint() -> int:
    """Anchor the chain's head outside the table; returns the row id it names."""
    return audit_checkpoint_write().last_id
