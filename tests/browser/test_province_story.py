"""Issue 16: one caregiver's whole story across every role, in one real browser session and
only through the product's pages. Her employer checks the ban register and hires her; she
claims her record; a training base enrols her in an offline class, marks her present, closes
the class (hours credited), records her theory and practical scores and issues her certificate
from its to-do list; the public verify page confirms it; she applies for the training subsidy;
HR sends it to 公示 and approves it when the notice has run out; the payment officer batches and
pays it; she sees 已发放; the regulator finds her hours, certificate, hiring check and application
on her record. Screenshots go to test-results/province-story/."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from wagtail.models import Page

from certification.models import Certificate, Employment, HourEntry, Person
from certification.models.subsidies import ApplicationStatus as S
from certification.models.subsidies import SubsidyApplication, SubsidyStandard
from cms.models.pages import CoursePage
from tests.browser.journey import login, screenshot, with_passwords
from tests.factories import AccreditationFactory, UserFactory, new_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/province-story")
NAME = "赵保育"


def _shot(page, name):
    screenshot(page, SHOTS, name)


def _offline_course(orgs):
    course = CoursePage(
        title="保育人员线下实操培训",
        slug="care-offline-story",
        code="OFF-STORY",
        audience_roles=["all"],
        delivery="offline",
        theory_hours=Decimal("0"),
        practice_hours=Decimal("2"),
        pass_mark=60,
        has_theory_test=True,
        has_practical_assessment=True,
    )
    Page.get_first_root_node().add_child(instance=course)
    AccreditationFactory(training_base=orgs.base).courses.add(course)
    return course


def test_one_caregivers_story_from_hiring_to_paid_subsidy_across_every_role(
    live_server, page, cast, orgs, regions
):
    SubsidyStandard.objects.create(
        region=None,
        subsidy_type="training",
        level=None,
        effective_from=dt.date(2026, 1, 1),
        amount=Decimal("800"),
    )
    course = _offline_course(orgs)
    worker_user = UserFactory(email="zhao@example.test", display_name=NAME)
    with_passwords(
        worker_user,
        cast.institution_admin,
        cast.base_staff,
        cast.hr_reviewer,
        cast.hr_payment,
        cast.regulator,
    )
    number = new_id_number()
    url = live_server.url
    today = timezone.localdate()

    # 1. The employer checks the ban register, then hires her on the same page.
    login(page, live_server, cast.institution_admin.email)
    page.goto(f"{url}/hiring-check/")
    page.fill("input[name=name]", NAME)
    page.fill("input[name=id_number]", number)
    page.click("button[name=check]")
    assert "未发现禁止情形" in page.inner_text("body")
    page.select_option("select[name=role]", "caregiver")
    page.fill("input[name=start_date]", today.isoformat())
    page.click("button[name=employ]")
    assert "已办理入职登记" in page.inner_text("body")
    person = Person.objects.get(name=NAME)
    assert Employment.objects.filter(person=person, institution=orgs.institution).exists()
    _shot(page, "1-hired")

    # 2. She claims her record with her own account.
    login(page, live_server, worker_user.email)
    page.goto(f"{url}/me/claim/")
    page.fill("input[name=name]", NAME)
    page.fill("input[name=id_number]", number)
    page.check("input[name=consent]")
    page.click("main form button:has-text('提交')")
    assert "已关联人员档案" in page.inner_text("body")
    _shot(page, "2-claimed")

    # 3. The base schedules a class, enrols her, marks her present and closes the class.
    login(page, live_server, cast.base_staff.email)
    page.goto(f"{url}/classes/new/")
    page.select_option("select[name=training_base]", str(orgs.base.pk))
    page.select_option("select[name=course]", str(course.pk))
    page.fill("input[name=title]", "保育实操一班")
    start = timezone.localtime() - dt.timedelta(hours=3)
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=hours]", "2")
    page.select_option("select[name=hour_kind]", "practice")
    page.fill("input[name=capacity]", "20")
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "保育实操一班", page.inner_text("main")
    enrol = page.locator("form", has=page.locator("button", has_text="报名"))
    enrol.locator("input[name=name]").fill(NAME)
    enrol.locator("input[name=id_number]").fill(number)
    enrol.locator("button", has_text="报名").click()
    assert "已报名" in page.inner_text("body")
    page.click("button:has-text('标记出勤')")
    page.click("button:has-text('结课并为出勤人员记入学时')")
    assert "1 人学时已入账" in page.inner_text("body")
    assert HourEntry.objects.get(person=person).hours == Decimal("2.0")
    for kind, score in (("theory", "78"), ("practical", "85")):
        page.fill(f"#score-{kind}-{person.pk}", score)
        page.locator(f"form:has(#score-{kind}-{person.pk}) button").click()
    assert page.inner_text(f"[data-testid=result-practical-{person.pk}]") == "85.0 合格"
    _shot(page, "3-class-closed-and-assessed")

    # 4. She is on the base's to-do list; one click issues her certificate.
    page.goto(f"{url}/base/dashboard/")
    page.click(f"[data-testid=issue-{person.pk}-{course.pk}]")
    page.wait_for_load_state()
    certificate = Certificate.objects.get(person=person, course=course)
    assert certificate.is_valid
    page.goto(f"{url}/base/dashboard/")
    assert f"issue-{person.pk}-{course.pk}" not in page.content()
    _shot(page, "4-certificate-issued")

    # 5. Anyone can verify it; she sees it and applies for the training subsidy (on a phone).
    page.context.clear_cookies()
    page.goto(f"{url}/verify/{certificate.verification_code}/")
    assert "有效" in page.inner_text("body") and "已撤销" not in page.inner_text("body")
    login(page, live_server, worker_user.email)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{url}/me/certificates/")
    assert certificate.serial in page.inner_text("body")
    page.goto(f"{url}/subsidies/eligibility/")
    card = page.locator(".card", has_text="职业培训补贴").filter(has=page.locator("form"))
    card.locator("input[name=pledge]").check()
    card.locator("button", has_text="申请").click()
    assert "已提交" in page.inner_text("body")
    app = SubsidyApplication.objects.get(person=person)
    assert app.amount == Decimal("800.00")
    _shot(page, "5-applied")
    page.set_viewport_size({"width": 1366, "height": 900})

    # 6. HR sends it to 公示 and approves it once the notice has run out.
    login(page, live_server, cast.hr_reviewer.email)
    page.goto(f"{url}/subsidies/review/{app.pk}/")
    page.click("button[value=approve_notice]")
    assert "公示中" in page.inner_text("h1")
    app.refresh_from_db()
    after_notice = dt.datetime.combine(
        app.notice_end + dt.timedelta(days=1), dt.time(10), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(after_notice, tick=True):
        login(page, live_server, cast.hr_reviewer.email)
        page.goto(f"{url}/subsidies/approval/")
        page.click(f"#ready a[href='/subsidies/review/{app.pk}/']")
        page.click("button[value=approve]")
        assert "已批准" in page.inner_text("h1")
        _shot(page, "6-approved")

        # 7. The payment officer batches and pays it.
        login(page, live_server, cast.hr_payment.email)
        page.goto(f"{url}/subsidies/batches/")
        page.check(f"input[name=application][value='{app.pk}']")
        page.click("button[value=build_selected]")
        assert "800.00" in page.inner_text("#batches")
        page.fill("#batches input[name=bank_reference]", "BANK-STORY-1")
        page.click("#batches button[value=paid]")
        assert "已标记支付" in page.inner_text("body")
        _shot(page, "7-paid")

        # 8. She sees the money has been paid.
        login(page, live_server, worker_user.email)
        page.goto(f"{url}/subsidies/mine/")
        assert "已发放" in page.inner_text("body")

    # 9. The regulator finds the whole story on her record.
    login(page, live_server, cast.regulator.email)
    page.goto(f"{url}/people/{person.pk}/")
    body = page.inner_text("body")
    assert certificate.serial in body
    assert "入职查询" in page.inner_text("[data-testid=ban-checks]")
    assert "已发放" in page.inner_text("[data-testid=applications]")
    assert page.locator("[data-role=caregiver] .total-hours").inner_text().startswith("2.0")
    _shot(page, "8-regulator-sees-the-record")
    app.refresh_from_db()
    assert app.status == S.PAID
