"""Subsidy tasks. Ids only in arguments; the service is idempotent so retries never pay twice."""

from celery import shared_task
from django.contrib.auth import get_user_model

from certification.services.subsidies import batch_mark_paid


@shared_task(bind=True, max_retries=3, default_retry_delay=30)
def mark_batch_paid(self, batch_id: int, actor_id: int, bank_reference: str) -> str:

    actor = get_user_model().objects.get(pk=actor_id)
    return batch_mark_paid(actor=actor, batch_id=batch_id, bank_reference=bank_reference).status
