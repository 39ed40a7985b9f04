"""D-27…D-30 subsidy workflow through the services and views."""

import datetime as dt
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from certification.models import Notification, Region
from certification.models.subsidies import (
    ApplicationStatus as S,
)
from certification.models.subsidies import PaymentLine, SubsidyApplication, SubsidyType
from certification.rules import subsidies as rules
from certification.selectors import subsidies as sel
from certification.selectors.calendar import calendar_exceptions
from certification.services import subsidies as svc
from certification.services.bans import PersonBanned
from certification.tasks.subsidies import mark_batch_paid
from tests.factories import BanEntryFactory, CertificateFactory

_n = itertools.count(1)


def make_cert(person, *, kind="skill_level", level=4, occupation="4-10-01-03", issued=None):
    return CertificateFactory(
        person=person,
        kind=kind,
        occupation=occupation,
        level=level,
        issue_date=issued or timezone.localdate() - dt.timedelta(days=30),
    )


def submitted(cast, *, cert=None, stype=SubsidyType.EVALUATION):
    cert = cert or make_cert(cast.worker)
    app = svc.application_create(
        actor=cast.worker_user, person=cast.worker, certificate=cert, subsidy_type=stype
    )
    return svc.application_submit(actor=cast.worker_user, application=app, pledge_confirmed=True)


def under_notice(cast, **kw):
    app = submitted(cast, **kw)
    return svc.application_review(actor=cast.hr_reviewer, application=app, approve=True)


def approved(cast, **kw):
    app = under_notice(cast, **kw)
    return svc.application_approve(
        actor=cast.hr_reviewer, application=app, today=app.notice_end + dt.timedelta(days=1)
    )


def test_submitting_snapshots_the_checks_and_the_amount_and_notifies_the_worker(cast):
    app = submitted(cast)
    assert app.status == S.SUBMITTED
    assert app.amount == Decimal("300.00")  # national evaluation level 4 (seed)
    assert {c["name"] for c in app.eligibility} >= {"not_banned", "within_window", "yearly_limits"}
    assert all(c["passed"] for c in app.eligibility)
    assert Notification.objects.filter(recipient_user=cast.worker_user, kind="subsidy").exists()
    assert [h.to_status for h in app.history.all()] == [S.DRAFT, S.SUBMITTED]


def test_submission_without_the_pledge_is_refused(cast):
    app = svc.application_create(
        actor=cast.worker_user,
        person=cast.worker,
        certificate=make_cert(cast.worker),
        subsidy_type="evaluation",
    )
    with pytest.raises(ValidationError):
        svc.application_submit(actor=cast.worker_user, application=app, pledge_confirmed=False)


def test_the_same_occupation_and_level_is_refused_after_a_paid_one(cast):
    app = approved(cast)
    batch = svc.batch_create(
        actor=cast.hr_payment, region=Region.objects.get(code="530100"), month=timezone.localdate()
    )
    svc.batch_add(actor=cast.hr_payment, batch=batch, application=app)
    svc.batch_mark_paid(actor=cast.hr_payment, batch_id=batch.pk, bank_reference="B-1")
    app.refresh_from_db()
    assert app.status == S.PAID
    again = svc.application_create(
        actor=cast.worker_user,
        person=cast.worker,
        certificate=make_cert(cast.worker, level=4),
        subsidy_type="skill_upgrade",
    )
    with pytest.raises(ValidationError, match="同一职业同一等级"):
        svc.application_submit(actor=cast.worker_user, application=again, pledge_confirmed=True)


def test_a_second_application_of_the_same_type_in_a_year_is_refused(cast):
    submitted(cast)
    with pytest.raises(ValidationError, match="上限"):
        submitted(cast, cert=make_cert(cast.worker, level=3))


def test_qingyuan_urgent_occupation_gets_thirty_percent_at_level_three_only(db):
    qy = Region.objects.get(code="441800")
    on = dt.date(2026, 6, 1)
    up = sel.amount_for(
        region=qy, subsidy_type="skill_upgrade", occupation="4-10-01-03", level=3, on=on
    )
    assert up == Decimal("2600.00")
    assert sel.amount_for(
        region=qy, subsidy_type="skill_upgrade", occupation="4-10-01-03", level=4, on=on
    ) == Decimal("1500.00")
    assert sel.amount_for(
        region=Region.objects.get(code="440000"),
        subsidy_type="skill_upgrade",
        occupation="4-10-01-03",
        level=3,
        on=on,
    ) == Decimal("2000.00")


def test_withdrawal_is_possible_before_review_only(cast):
    app = submitted(cast)
    assert svc.application_withdraw(actor=cast.worker_user, application=app).status == S.WITHDRAWN
    other = under_notice(cast, cert=make_cert(cast.worker, level=3))
    with pytest.raises(ValidationError):
        svc.application_withdraw(actor=cast.worker_user, application=other)


def test_review_opens_a_notice_of_five_working_days(cast):
    app = under_notice(cast)
    assert app.status == S.NOTICE and app.notice_start == timezone.localdate()
    calendar = calendar_exceptions(app.notice_start, app.notice_end)
    assert rules.working_days_between(app.notice_start, app.notice_end, calendar) == 5


def test_rejection_needs_a_reason(cast):
    app = submitted(cast)
    with pytest.raises(ValidationError):
        svc.application_review(actor=cast.hr_reviewer, application=app, approve=False)
    done = svc.application_review(
        actor=cast.hr_reviewer, application=app, approve=False, reason="材料不全"
    )
    assert done.status == S.REJECTED


def test_an_open_objection_blocks_approval_until_resolved(cast):
    app = under_notice(cast)
    objection = svc.objection_file(
        actor=cast.outsider, application=app, text="此人并未在该机构工作"
    )
    later = app.notice_end + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="异议"):
        svc.application_approve(actor=cast.hr_reviewer, application=app, today=later)
    svc.objection_resolve(
        actor=cast.hr_reviewer, objection=objection, upheld=False, resolution="经核实在职"
    )
    assert (
        svc.application_approve(actor=cast.hr_reviewer, application=app, today=later).status
        == S.APPROVED
    )


def test_approval_before_the_notice_ends_is_refused(cast):
    app = under_notice(cast)
    with pytest.raises(ValidationError, match="公示"):
        svc.application_approve(actor=cast.hr_reviewer, application=app, today=app.notice_end)


def test_a_ban_created_after_submission_makes_approval_impossible(cast, regions):
    app = under_notice(cast)
    BanEntryFactory(person=cast.worker, effective_date=timezone.localdate(), region=regions.kunming)
    with pytest.raises(PersonBanned):
        svc.application_approve(
            actor=cast.hr_reviewer, application=app, today=app.notice_end + dt.timedelta(days=1)
        )
    app.refresh_from_db()
    assert app.status == S.NOTICE


def test_a_reviewer_cannot_batch_an_application_they_reviewed(cast, regions):
    app = approved(cast)
    from certification.models import StaffMembership, StaffRole

    StaffMembership.objects.create(
        user=cast.hr_reviewer, role=StaffRole.HR_PAYMENT, region=regions.kunming
    )
    cast.hr_reviewer.__dict__.pop("_carecert_scope", None)  # scope is cached per request
    batch = svc.batch_create(
        actor=cast.hr_reviewer, region=regions.kunming, month=timezone.localdate()
    )
    with pytest.raises(PermissionDenied):
        svc.batch_add(actor=cast.hr_reviewer, batch=batch, application=app)
    assert not PaymentLine.objects.exists()


def test_a_reviewer_of_another_region_cannot_review(cast):
    app = submitted(cast)
    with pytest.raises(PermissionDenied):
        svc.application_review(actor=cast.other_hr_reviewer, application=app, approve=True)


def test_the_export_escapes_formulae_and_totals(cast, regions):
    import io

    from openpyxl import load_workbook

    cast.worker.name = "=HYPERLINK(1)"
    cast.worker.save()
    app = approved(cast)
    batch = svc.batch_create(
        actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate()
    )
    svc.batch_add(actor=cast.hr_payment, batch=batch, application=app)
    ws = load_workbook(io.BytesIO(svc.batch_export(actor=cast.hr_payment, batch=batch))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][-1])) == Decimal("300")


def test_a_retried_mark_paid_task_pays_once(cast, regions):
    app = approved(cast)
    batch = svc.batch_create(
        actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate()
    )
    svc.batch_add(actor=cast.hr_payment, batch=batch, application=app)
    for _ in range(2):
        mark_batch_paid.delay(batch.pk, cast.hr_payment.pk, "BANK-001")
    assert app.history.filter(to_status=S.PAID).count() == 1


# --- PostgreSQL concurrency -------------------------------------------------------------------


def _ensure_standard():
    """transactional_db flushes seeded rows between tests; put the evaluation standard back."""
    from certification.models.subsidies import SubsidyStandard

    SubsidyStandard.objects.get_or_create(
        region=None,
        subsidy_type="evaluation",
        level=4,
        effective_from=dt.date(2026, 1, 1),
        defaults={"amount": Decimal("300")},
    )


def _race(*fns):
    results, barrier = [], threading.Barrier(len(fns))

    def run(fn):
        try:
            barrier.wait()
            results.append(("ok", fn()))
        except Exception as exc:  # noqa: BLE001 - we count outcomes
            results.append(("err", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_at_once_exactly_one_succeeds(cast, regions):
    from certification.models import StaffMembership, StaffRole
    from tests.factories import UserFactory

    second = UserFactory(email="hr3@example.test")
    StaffMembership.objects.create(user=second, role=StaffRole.HR_REVIEWER, region=regions.kunming)
    _ensure_standard()
    app = under_notice(cast)
    later = app.notice_end + dt.timedelta(days=1)
    results = _race(
        *(
            lambda u=u: svc.application_approve(actor=u, application=app, today=later)
            for u in (cast.hr_reviewer, second)
        )
    )
    assert sorted(r[0] for r in results) == ["err", "ok"]
    assert app.history.filter(to_status=S.APPROVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_batches_claiming_the_same_application_make_one_line(cast, regions):
    from certification.models import StaffMembership, StaffRole
    from tests.factories import UserFactory

    second = UserFactory(email="pay2@example.test")
    StaffMembership.objects.create(user=second, role=StaffRole.HR_PAYMENT, region=regions.kunming)
    _ensure_standard()
    app = approved(cast)
    b1 = svc.batch_create(actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate())
    b2 = svc.batch_create(actor=second, region=regions.kunming, month=timezone.localdate())
    results = _race(
        lambda: svc.batch_add(actor=cast.hr_payment, batch=b1, application=app),
        lambda: svc.batch_add(actor=second, batch=b2, application=app),
    )
    assert sorted(r[0] for r in results) == ["err", "ok"]
    assert PaymentLine.objects.filter(application=app).count() == 1
    assert SubsidyApplication.objects.get(pk=app.pk).status == S.IN_BATCH


def test_an_officer_of_another_region_gets_404_on_the_review_page(cast, client):
    app = submitted(cast)
    client.force_login(cast.other_hr_reviewer)
    assert client.get(reverse("certification:subsidy_review", args=[app.pk])).status_code == 404
    client.force_login(cast.hr_reviewer)
    assert client.get(reverse("certification:subsidy_review", args=[app.pk])).status_code == 200
    queue = client.get(reverse("certification:subsidy_review_queue"))
    assert queue.status_code == 200 and "王保育" in queue.content.decode()


def test_the_public_notice_shows_a_masked_name_without_login(cast, client):
    under_notice(cast)
    page = client.get("/subsidies/notice/").content.decode()
    assert "王*育" in page and "王保育" not in page


def test_payment_officer_marks_a_batch_paid_and_the_reviewer_cannot_see_batches(
    cast, regions, client
):
    app = approved(cast)
    batch = svc.batch_create(
        actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate()
    )
    svc.batch_add(actor=cast.hr_payment, batch=batch, application=app)
    client.force_login(cast.hr_reviewer)
    assert client.get(reverse("certification:payment_batch_list")).status_code == 403
    client.force_login(cast.hr_payment)
    client.post(
        reverse("certification:payment_batch_list"),
        {"batch": batch.pk, "action": "paid", "bank_reference": "BR-9"},
    )
    app.refresh_from_db()
    assert app.status == S.PAID
