"""Issue 16: a ban reaches everyone who must act, in a real browser. A base records a second
caregiver's offline theory and practical scores (the pass mark decides); both caregivers hold a
certificate and an approved subsidy in this month's open payment batch. The regulator registers
a lifetime ban on the second one: the public verify page says 已撤销, her institution sees the flag
and ends the employment in one step, her application leaves the open batch and the export total
drops to the first caregiver's 300. Screenshots go to test-results/ban-journey/."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import AssessmentResult, Employment
from certification.models.subsidies import ApplicationStatus as S
from certification.services import subsidies as svc
from lms.services import offline
from tests.browser.journey import login, screenshot, with_passwords
from tests.certification.test_subsidies import _ensure_standard, approved, make_cert
from tests.factories import (
    AccreditationFactory,
    EmploymentFactory,
    PersonFactory,
    UserFactory,
    new_id_number,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/ban-journey")


def _users(*users):
    with_passwords(*users)


def _login(page, live_server, email):
    login(page, live_server, email)


def _shot(page, name):
    screenshot(page, SHOTS, name)


def _offline_class(cast, orgs, person):
    from wagtail.models import Page

    from cms.models.pages import CoursePage

    course = CoursePage(
        title="保育人员线下培训",
        slug="care-offline-ban",
        code="OFF-BAN",
        audience_roles=["all"],
        delivery="offline",
        pass_mark=60,
        has_practical_assessment=True,
    )
    Page.get_first_root_node().add_child(instance=course)
    AccreditationFactory(training_base=orgs.base).courses.add(course)
    start = timezone.now() - dt.timedelta(hours=3)
    session = offline.class_session_create(
        actor=cast.base_staff,
        training_base=orgs.base,
        course=course,
        title="保育线下一班",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        hours=Decimal("2.0"),
        hour_kind="practice",
        capacity=10,
    )
    offline.class_enrol(actor=cast.base_staff, session=session, person=person)
    return session


def test_a_ban_reaches_the_certificate_the_employer_and_the_payment_batch(
    live_server, page, cast, orgs, regions
):
    _ensure_standard()  # transactional tests flush seeded standards
    _users(cast.base_staff, cast.regulator, cast.institution_admin, cast.hr_payment)
    url = live_server.url
    number = new_id_number()
    second_user = UserFactory(email="li@example.test", display_name="李保育")
    second = PersonFactory(name="李保育", id_number=number, user=second_user, region=regions.wuhua)
    employment = EmploymentFactory(person=second, institution=orgs.institution)
    session = _offline_class(cast, orgs, second)

    # The base records her offline theory test and practical assessment.
    _login(page, live_server, cast.base_staff.email)
    page.goto(f"{url}/classes/{session.pk}/")
    page.fill(f"#score-theory-{second.pk}", "55")
    page.locator(f"form:has(#score-theory-{second.pk}) button").click()
    assert "55 分，不合格（及格分 60）" in page.inner_text("body")
    page.fill(f"#score-theory-{second.pk}", "82")
    page.locator(f"form:has(#score-theory-{second.pk}) button").click()
    page.fill(f"#score-practical-{second.pk}", "90")
    page.locator(f"form:has(#score-practical-{second.pk}) button").click()
    assert page.inner_text(f"[data-testid=result-theory-{second.pk}]") == "82.0 合格"
    assert page.inner_text(f"[data-testid=result-practical-{second.pk}]") == "90.0 合格"
    assert AssessmentResult.objects.filter(person=second, passed=True).count() == 2
    _shot(page, "1-base-records-results")

    # Both caregivers hold a certificate and an approved subsidy in this month's open batch.
    first_app = approved(cast)
    certificate = make_cert(second)
    app = svc.application_create(
        actor=second_user, person=second, certificate=certificate, subsidy_type="evaluation"
    )
    app = svc.application_submit(actor=second_user, application=app, pledge_confirmed=True)
    app = svc.application_review(actor=cast.hr_reviewer, application=app, approve=True)
    app = svc.application_approve(
        actor=cast.hr_reviewer, application=app, today=app.notice_end + dt.timedelta(days=1)
    )
    batch = svc.batch_create(
        actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate()
    )
    for application in (first_app, app):
        svc.batch_add(actor=cast.hr_payment, batch=batch, application=application)

    # The regulator registers the ban.
    _login(page, live_server, cast.regulator.email)
    page.goto(f"{url}/bans/new/")
    page.fill("input[name=name]", "李保育")
    page.fill("input[name=id_number]", number)
    page.select_option("select[name=region]", str(regions.kunming.pk))
    page.fill("input[name=decision_number]", "昆卫禁〔2026〕7号")
    page.fill("input[name=authority]", "昆明市卫生健康委员会")
    page.fill("input[name=effective_date]", timezone.localdate().isoformat())
    page.locator("form.card button[type=submit]").click()
    assert "撤销 1 张有效证书" in page.inner_text("[data-testid=ban-preview]")
    _shot(page, "2a-ban-preview")
    page.click("button[name=confirm]")
    page.wait_for_load_state()
    _shot(page, "2-ban-registered")

    # The public verify page says the certificate is revoked.
    page.context.clear_cookies()
    page.goto(f"{url}/verify/{certificate.verification_code}/")
    assert "已撤销" in page.inner_text("body")
    _shot(page, "3-certificate-revoked")

    # Her institution sees the flag and ends the employment in one step.
    _login(page, live_server, cast.institution_admin.email)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{url}/institution/dashboard/?org={orgs.institution.pk}")
    roster = page.locator(".table-wrap").first
    # Every column, 离职 included, fits without scrolling the table sideways.
    assert roster.evaluate("el => el.scrollWidth <= el.clientWidth")
    flagged = page.locator("tr.row-flagged")
    assert flagged.count() == 1 and "李保育" in flagged.inner_text()
    _shot(page, "4-institution-sees-flag")
    flagged.locator("button", has_text="解除任职").click()
    page.wait_for_load_state()
    employment.refresh_from_db()
    assert employment.end_date == timezone.localdate()
    assert "李保育" not in page.inner_text("table")
    _shot(page, "5-employment-ended")

    # Her application has left the open batch; the export total is the first caregiver's 300.
    _login(page, live_server, cast.hr_payment.email)
    page.goto(f"{url}/subsidies/batches/")
    assert "300.00" in page.inner_text("#batches") and "600.00" not in page.inner_text("#batches")
    with page.expect_download() as dl:
        page.click("#batches button[value=export]")
    rows = list(
        load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert [r[0] for r in rows[1:-1]] == [first_app.pk]
    assert Decimal(str(rows[-1][-1])) == Decimal("300")
    _shot(page, "6-batch-without-her")
    app.refresh_from_db()
    assert (
        app.status == S.REJECTED
        and not Employment.objects.filter(person=second, end_date__isnull=True).exists()
    )
