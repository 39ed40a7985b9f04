"""D-40: deliver the outbox to its receivers."""

from celery import shared_task

from certification.services.outbox import outbox_deliver_due


@shared_task(name="certification.deliver_outbox")
def deliver_outbox(receiver_id: int | None = None) -> dict:
    """Beat, every minute (all receivers), and after each emit (its receiver): send what is
    due, in sequence per receiver. Safe to run in several workers at once (row locks)."""
    return outbox_deliver_due(receiver_id=receiver_id)
