"""The audit chain's hourly signed checkpoint (certification/audit.py)."""

from celery import shared_task

from certification.audit import audit_checkpoint_write


@shared_task(name="certification.audit_checkpoint")
def audit_checkpoint() -> int:
    """Anchor the chain's head outside the table; returns the row id it names."""
    return audit_checkpoint_write().last_id
