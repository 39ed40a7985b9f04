"""Issue 14: a refusal decided inside a transaction keeps its audit row after that transaction
rolls back — on a page that shows the refusal as a message, through middleware, in the API and
in a Celery task."""

import pytest
from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from certification.access import deny
from certification.audit import audit_refusal_survive
from certification.models import AuditEvent, StaffRole
from certification.models.subsidies import PaymentBatch
from certification.services import subsidies as svc
from tests.certification.test_subsidies import approved
from tests.factories import UserFactory, membership

BATCHES = reverse("certification:payment_batch_list")


def refusals(attempted):
    return AuditEvent.objects.filter(action="access.denied", data__attempted=attempted)


@pytest.fixture
def open_batch(cast):
    approved(cast)
    batch, _ = svc.batch_build(
        actor=cast.hr_payment, region=cast.worker.region, month=cast.worker.created_at.date()
    )
    return batch


def test_marking_another_officers_batch_paid_is_refused_and_the_refusal_stays_audited(
    cast, regions, client, open_batch
):
    # The second officer is refused inside batch_mark_paid's transaction; the page catches
    # the refusal to show it as a message. Before, the rollback took the audit row with it.
    colleague = UserFactory(email="pay2@example.test")
    membership(colleague, StaffRole.HR_PAYMENT, region_obj=regions.kunming)
    client.force_login(colleague)
    resp = client.post(
        BATCHES, {"action": "paid", "batch": open_batch.pk, "bank_reference": "BR-9"}, follow=True
    )
    assert "只能处理自己编制的批次" in resp.content.decode()
    open_batch.refresh_from_db()
    assert open_batch.status == PaymentBatch.Status.OPEN
    row = refusals("subsidy.batch_pay").get()
    assert row.actor == colleague and row.object_id == str(open_batch.pk)
    assert row.data["kept_after_rollback"] is True


def test_a_refusal_inside_a_rolled_back_transaction_is_written_again_once(cast):
    with pytest.raises(PermissionDenied) as info:
        with transaction.atomic():
            deny(cast.outsider, action="probe.inside_atomic")
    assert not refusals("probe.inside_atomic").exists()  # the rollback took it
    audit_refusal_survive(info.value)
    audit_refusal_survive(info.value)  # a second boundary adds nothing
    assert refusals("probe.inside_atomic").count() == 1


def test_a_refusal_outside_any_transaction_is_written_once(cast):
    with pytest.raises(PermissionDenied) as info:
        deny(cast.outsider, action="probe.outside")
    audit_refusal_survive(info.value)
    assert refusals("probe.outside").count() == 1


@shared_task
def _refusing_task(user_id):
    with transaction.atomic():
        deny(get_user_model().objects.get(pk=user_id), action="probe.task")


def test_a_task_refused_inside_its_transaction_keeps_the_row(cast, settings):
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    result = _refusing_task.apply(args=[cast.outsider.pk])
    assert result.failed()
    assert refusals("probe.task").count() == 1
