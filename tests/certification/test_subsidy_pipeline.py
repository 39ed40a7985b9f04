"""Issue 16 (subsidy pipeline through pages) and issue 14 (ban cascade through the subsidy state
machine). Each test names a defect of the previous code."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import AuditEvent
from certification.models.subsidies import ApplicationStatus as S
from certification.models.subsidies import (
    Objection,
    PaymentBatch,
    PaymentLine,
    SubsidyApplication,
    SubsidyPolicy,
)
from certification.rules import subsidies as rules
from certification.selectors import subsidies as sel
from certification.selectors.calendar import calendar_exceptions_for_span
from certification.services import subsidies as svc
from certification.services.ban_register import ban_cascade
from tests.certification.test_subsidies import approved, make_cert, submitted, under_notice
from tests.factories import BanEntryFactory, EmploymentFactory, PersonFactory, UserFactory

BATCHES = reverse("certification:payment_batch_list")
NOTICE = reverse("certification:subsidy_notice")


def second_approved(cast, orgs):
    """Another approved application in Kunming (a second caregiver at the same institution)."""
    user = UserFactory(email="w2@example.test", display_name="张保育")
    person = PersonFactory(name="张保育", user=user, region=cast.worker.region)
    EmploymentFactory(person=person, institution=orgs.institution)
    cert = make_cert(person)
    app = svc.application_create(
        actor=user, person=person, certificate=cert, subsidy_type="evaluation"
    )
    app = svc.application_submit(actor=user, application=app, pledge_confirmed=True)
    app = svc.application_review(actor=cast.hr_reviewer, application=app, approve=True)
    return svc.application_approve(
        actor=cast.hr_reviewer, application=app, today=app.notice_end + dt.timedelta(days=1)
    )


def export_rows(cast, batch):
    data = svc.batch_export(actor=cast.hr_payment, batch=batch)
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def ban_worker(cast, regions, person=None):
    entry = BanEntryFactory(
        person=person or cast.worker,
        effective_date=timezone.localdate() - dt.timedelta(days=1),
        region=regions.kunming,
    )
    return ban_cascade(actor=cast.regulator, entry=entry)


# --- after 公示: the final-approval list --------------------------------------------------


def test_an_application_sent_to_notice_is_listed_for_final_approval_after_the_notice(cast, client):
    app = under_notice(cast)
    client.force_login(cast.hr_reviewer)
    during = client.get(reverse("certification:subsidy_final_approval")).content.decode()
    link = reverse("certification:subsidy_review", args=[app.pk])
    assert link in during.split('id="notice"')[1]  # still under notice: listed as 公示中
    assert link not in during.split('id="ready"')[1].split("</table>")[0]
    today = timezone.localdate()  # the notice ran last week
    SubsidyApplication.objects.filter(pk=app.pk).update(
        notice_start=today - dt.timedelta(days=10), notice_end=today - dt.timedelta(days=1)
    )
    page = client.get(reverse("certification:subsidy_final_approval")).content.decode()
    assert link in page.split('id="ready"')[1].split("</table>")[0]
    client.post(link, {"action": "approve"})
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert AuditEvent.objects.filter(action="subsidy.approved", object_id=str(app.pk)).exists()


def test_the_notice_end_follows_the_regions_policy(cast, regions):
    SubsidyPolicy.objects.create(
        region=regions.kunming, effective_from=dt.date(2020, 1, 1), notice_working_days=2
    )
    app = under_notice(cast)
    calendar = calendar_exceptions_for_span(app.notice_start, 2)
    assert app.notice_end == rules.add_working_days(app.notice_start, 2, calendar)
    assert app.notice_end == sel.notice_end_for(region=app.region, start=app.notice_start)


def test_the_final_approval_list_is_for_hr_reviewers_only(cast, client):
    client.force_login(cast.worker_user)
    assert client.get(reverse("certification:subsidy_final_approval")).status_code == 403


# --- objections ---------------------------------------------------------------------------


def test_an_anonymous_objection_is_refused_and_blocks_nothing(cast, client):
    app = under_notice(cast)
    resp = client.post(NOTICE, {"application": app.pk, "text": "匿名举报"})
    assert resp.status_code == 302 and "login" in resp.url
    assert not Objection.objects.exists()


def test_a_logged_in_user_files_an_objection_that_hr_sees_on_the_application_and_in_the_list(
    cast, client
):
    app = under_notice(cast)
    client.force_login(cast.outsider)
    resp = client.post(NOTICE, {"application": app.pk, "text": "此人并未在该机构工作"}, follow=True)
    assert "异议已提交" in resp.content.decode()
    obj = Objection.objects.get()
    assert obj.filed_by == cast.outsider
    client.force_login(cast.hr_reviewer)
    review = client.get(reverse("certification:subsidy_review", args=[app.pk])).content.decode()
    assert "此人并未在该机构工作" in review and "异议成立（不予补贴）" in review
    listing = client.get(reverse("certification:subsidy_objections")).content.decode()
    assert "此人并未在该机构工作" in listing and "待处理" in listing


def test_objections_are_rate_limited_per_user(cast, client, settings):
    settings.SUBSIDY_OBJECTIONS_PER_DAY = 2
    app = under_notice(cast)
    client.force_login(cast.outsider)
    for i in range(3):
        resp = client.post(NOTICE, {"application": app.pk, "text": f"异议{i}"}, follow=True)
    assert Objection.objects.count() == 2
    assert "每人每天最多2条" in resp.content.decode()
    assert AuditEvent.objects.filter(
        action="subsidy.objection_refused", data__why="rate_limited"
    ).exists()


def test_an_oversized_objection_is_refused(cast, client, settings):
    settings.SUBSIDY_OBJECTION_MAX_CHARS = 20
    app = under_notice(cast)
    client.force_login(cast.outsider)
    resp = client.post(NOTICE, {"application": app.pk, "text": "长" * 21}, follow=True)
    assert "异议内容不能超过20个字" in resp.content.decode()
    assert not Objection.objects.exists()


def test_a_hostile_application_id_gives_404_not_500(cast, client):
    client.force_login(cast.outsider)
    assert client.post(NOTICE, {"application": "x'; --", "text": "t"}).status_code == 404


def test_an_upheld_objection_rejects_the_application_with_its_reason(cast, client):
    app = under_notice(cast)
    obj = svc.objection_file(actor=cast.outsider, application=app, text="证书系代考")
    client.force_login(cast.hr_reviewer)
    client.post(
        reverse("certification:subsidy_review", args=[app.pk]),
        {"action": "uphold", "objection": obj.pk, "resolution": "经核实属实"},
    )
    app.refresh_from_db()
    assert app.status == S.REJECTED and "经核实属实" in app.decision_reason
    assert app.history.filter(to_status=S.REJECTED, note__contains="经核实属实").exists()
    client.force_login(cast.worker_user)
    mine = client.get(reverse("certification:my_subsidy_applications")).content.decode()
    assert "未通过" in mine and "经核实属实" in mine


def test_a_dismissed_objection_lets_the_application_continue(cast, client):
    app = under_notice(cast)
    obj = svc.objection_file(actor=cast.outsider, application=app, text="无根据")
    client.force_login(cast.hr_reviewer)
    client.post(
        reverse("certification:subsidy_review", args=[app.pk]),
        {"action": "dismiss", "objection": obj.pk, "resolution": "经核实在职"},
    )
    obj.refresh_from_db()
    assert obj.resolved_at and obj.upheld is False
    later = app.notice_end + dt.timedelta(days=1)
    assert svc.application_approve(actor=cast.hr_reviewer, application=app, today=later).status == (
        S.APPROVED
    )


def test_resolving_without_a_resolution_is_refused(cast):
    app = under_notice(cast)
    obj = svc.objection_file(actor=cast.outsider, application=app, text="无根据")
    with pytest.raises(ValidationError, match="处理结果"):
        svc.objection_resolve(actor=cast.hr_reviewer, objection=obj, upheld=False, resolution=" ")


# --- the payment officer's batch ------------------------------------------------------------


def test_the_payment_officer_builds_the_months_batch_from_selected_applications(cast, orgs, client):
    a1, a2 = approved(cast), second_approved(cast, orgs)
    client.force_login(cast.hr_payment)
    page = client.get(BATCHES).content.decode()
    assert f'name="application" value="{a1.pk}"' in page
    resp = client.post(BATCHES, {"action": "build_selected", "application": [a1.pk]}, follow=True)
    assert "1 笔" in resp.content.decode()
    batch = PaymentBatch.objects.get()
    assert batch.month == timezone.localdate().replace(day=1)
    assert list(batch.lines.values_list("application_id", flat=True)) == [a1.pk]
    a2.refresh_from_db()
    assert a2.status == S.APPROVED


def test_building_all_twice_makes_one_batch_with_each_application_once(cast, orgs, client):
    approved(cast), second_approved(cast, orgs)
    client.force_login(cast.hr_payment)
    client.post(BATCHES, {"action": "build_all"})
    resp = client.post(BATCHES, {"action": "build_all"}, follow=True)  # double submit
    assert PaymentBatch.objects.count() == 1 and PaymentLine.objects.count() == 2
    assert "没有可编入批次的已批准申请" in resp.content.decode()
    assert "600.00" in resp.content.decode()  # the batch total on the list


def test_export_totals_and_paid_reach_the_applicant(cast, orgs, client):
    approved(cast), second_approved(cast, orgs)
    client.force_login(cast.hr_payment)
    client.post(BATCHES, {"action": "build_all"})
    batch = PaymentBatch.objects.get()
    resp = client.post(BATCHES, {"action": "export", "batch": batch.pk})
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4 and Decimal(str(rows[-1][-1])) == Decimal("600")
    client.post(BATCHES, {"action": "paid", "batch": batch.pk, "bank_reference": "BR-1"})
    assert set(SubsidyApplication.objects.values_list("status", flat=True)) == {S.PAID}
    client.force_login(cast.worker_user)
    assert "已发放" in client.get(reverse("certification:my_subsidy_applications")).content.decode()


# --- ban cascade through the state machine (issue 14) -----------------------------------------


def test_a_ban_takes_the_application_out_of_an_open_batch_and_the_export_drops_it(
    cast, orgs, regions
):
    mine, other = approved(cast), second_approved(cast, orgs)
    batch, _ = svc.batch_build(
        actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate()
    )
    assert sel.batch_total(batch) == Decimal("600")
    export_rows(cast, batch)  # exported once: the ban must reopen it
    result = ban_worker(cast, regions)
    assert mine.pk in result.applications
    mine.refresh_from_db()
    batch.refresh_from_db()
    assert mine.status == S.REJECTED and mine.decision_reason == "终身禁入"
    change = mine.history.get(to_status=S.REJECTED)
    assert change.from_status == S.IN_BATCH and change.note == "终身禁入"
    assert PaymentLine.objects.get(application=mine).voided_at is not None
    assert batch.status == PaymentBatch.Status.OPEN
    assert sel.batch_total(batch) == Decimal("300")
    rows = export_rows(cast, batch)
    assert [r[0] for r in rows[1:-1]] == [other.pk]
    assert Decimal(str(rows[-1][-1])) == Decimal("300")
    assert AuditEvent.objects.filter(action="subsidy.batch_line_void").exists()
    assert AuditEvent.objects.filter(action="subsidy.rejected", object_id=str(mine.pk)).exists()
    svc.batch_mark_paid(actor=cast.hr_payment, batch_id=batch.pk, bank_reference="BR-2")
    mine.refresh_from_db()
    assert mine.status == S.REJECTED


def test_a_ban_flags_a_paid_application_for_recovery_without_changing_it(cast, regions, client):
    app = approved(cast)
    batch, _ = svc.batch_build(
        actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate()
    )
    svc.batch_mark_paid(actor=cast.hr_payment, batch_id=batch.pk, bank_reference="BR-3")
    ban_worker(cast, regions)
    app.refresh_from_db()
    assert app.status == S.PAID and app.recovery_flagged_at and app.recovery_reason == "终身禁入"
    assert not app.history.filter(to_status=S.REJECTED).exists()
    assert AuditEvent.objects.filter(action="subsidy.recovery_flagged").count() == 1
    ban_worker(cast, regions)  # a second cascade changes nothing
    assert AuditEvent.objects.filter(action="subsidy.recovery_flagged").count() == 1
    client.force_login(cast.hr_reviewer)
    page = client.get(reverse("certification:subsidy_review", args=[app.pk])).content.decode()
    assert "待追回" in page


def test_a_ban_rejects_a_submitted_application_through_the_state_machine(cast, regions):
    app = submitted(cast)
    ban_worker(cast, regions)
    app.refresh_from_db()
    assert app.status == S.REJECTED
    change = app.history.get(to_status=S.REJECTED)
    assert change.from_status == S.SUBMITTED and change.note == "终身禁入"


@pytest.mark.django_db(transaction=True)
def test_two_officers_building_batches_at_once_put_each_application_in_one_batch(
    cast, orgs, regions
):
    from certification.models import StaffMembership, StaffRole
    from tests.certification.test_subsidies import _ensure_standard, _race

    second = UserFactory(email="pay3@example.test")
    StaffMembership.objects.create(user=second, role=StaffRole.HR_PAYMENT, region=regions.kunming)
    _ensure_standard()
    apps = [approved(cast), second_approved(cast, orgs)]
    month = timezone.localdate()
    results = _race(
        *(
            lambda u=u: svc.batch_build(actor=u, region=regions.kunming, month=month)
            for u in (cast.hr_payment, second)
        )
    )
    assert [r[0] for r in results].count("ok") >= 1
    assert PaymentLine.objects.count() == 2
    assert {a.pk for a in apps} == set(PaymentLine.objects.values_list("application", flat=True))
    assert set(SubsidyApplication.objects.values_list("status", flat=True)) == {S.IN_BATCH}
