"""Issue 16: the multi-role story, in one real browser session and through the product's pages.
A caregiver's employer checks the ban register and hires her; she claims her record and learns
a lesson online (heartbeats, quiz); a training base enrols her in an offline class, marks her
present, closes the class (hours credited), records her theory and practical scores and issues
her certificate from its to-do list; the public verify page confirms it; she applies for the
training subsidy; HR sends it to 公示, a member of the public objects, the notice runs out
(time-machine), HR dismisses the objection and approves; the payment officer builds the month's
batch with hers and a second certified caregiver's application. Then the regulator bans the
second caregiver: her certificate shows 已撤销, her institution sees the flag and ends the
employment, her application leaves the open batch and the export total drops to the first
caregiver's 800, which is paid (the ban is in her credit record); the first caregiver sees 已发放 and the regulator finds hours,
certificate, checks and application on her record. Screenshots: test-results/province-story/."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page, Site

from certification.models import Certificate, Employment, HourEntry, LearningPolicy, Person
from certification.models.subsidies import ApplicationStatus as S
from certification.models.subsidies import SubsidyApplication, SubsidyStandard
from certification.rules import credentials as vc
from certification.services import subsidies as svc
from cms.choices import HourKind
from cms.models.pages import CoursePage, LessonPage
from tests.browser.journey import login, screenshot, with_passwords
from tests.certification.test_subsidies import _ensure_standard, make_cert
from tests.factories import (
    AccreditationFactory,
    EmploymentFactory,
    PersonFactory,
    UserFactory,
    new_id_number,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/province-story")
NAME = "赵保育"


def _shot(page, name):
    screenshot(page, SHOTS, name)


def _on_screen(page, *selectors):
    """At phone width nothing scrolls sideways and each element lies inside the viewport."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, selector


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


def _online_lesson():
    course = CoursePage(
        title="保育人员线上培训", slug="care-online-story", code="ON-STORY", audience_roles=["all"]
    )
    Site.objects.get(is_default_site=True).root_page.add_child(instance=course)
    quiz = {
        "title": "课后测验",
        "pass_mark": 100,
        "questions": [
            {
                "question": "婴儿睡眠应采取哪种姿势？",
                "choices": ["仰卧", "俯卧"],
                "correct": "1",
                "explanation": "",
            }
        ],
    }
    lesson = LessonPage(
        title="安全睡眠",
        slug="sleep-story",
        nominal_hours=Decimal("0.1"),
        hour_kind=HourKind.THEORY,
        body=[("quiz", quiz)],
    )
    course.add_child(instance=lesson)
    return lesson


def _second_caregiver_in_payment(cast, orgs, regions):
    """李保育: certified, employed at the same institution, her evaluation subsidy approved."""
    number = new_id_number()
    user = UserFactory(email="li@example.test", display_name="李保育")
    person = PersonFactory(name="李保育", id_number=number, user=user, region=regions.wuhua)
    employment = EmploymentFactory(person=person, institution=orgs.institution)
    certificate = make_cert(person)
    app = svc.application_create(
        actor=user, person=person, certificate=certificate, subsidy_type="evaluation"
    )
    app = svc.application_submit(actor=user, application=app, pledge_confirmed=True)
    app = svc.application_review(actor=cast.hr_reviewer, application=app, approve=True)
    app = svc.application_approve(
        actor=cast.hr_reviewer, application=app, today=app.notice_end + dt.timedelta(days=1)
    )
    return number, employment, certificate, app


def test_one_caregivers_story_from_hiring_to_paid_subsidy_across_every_role(
    live_server, page, cast, orgs, regions, settings
):
    SubsidyStandard.objects.create(
        region=None,
        subsidy_type="training",
        level=None,
        effective_from=dt.date(2026, 1, 1),
        amount=Decimal("800"),
    )
    _ensure_standard()  # transactional tests flush seeded standards
    LearningPolicy.objects.create(
        region=regions.yunnan,
        effective_from=dt.date(2020, 1, 1),
        minutes_per_class_hour=1,  # 1 学时 = 1 minute, so a 0.1-hour lesson takes 6 s
        daily_cap_hours=Decimal("7"),
        programme_start=dt.date(2021, 1, 1),
    )
    settings.LEARNING_HEARTBEAT_SECONDS = 1
    course = _offline_course(orgs)
    lesson = _online_lesson()
    second_number, second_employment, second_cert, second_app = _second_caregiver_in_payment(
        cast, orgs, regions
    )
    worker_user = UserFactory(email="zhao@example.test", display_name=NAME)
    with_passwords(
        worker_user,
        cast.institution_admin,
        cast.base_staff,
        cast.hr_reviewer,
        cast.hr_payment,
        cast.regulator,
        cast.outsider,
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
    with page.context.expect_page() as printed:
        page.click("[data-testid=hiring-record]")
    record = printed.value
    record.wait_for_load_state()
    assert NAME in record.inner_text("main") and number not in record.content()
    screenshot(record, SHOTS, "1a-hiring-check-record")
    record.close()
    page.select_option("select[name=role]", "caregiver")
    # Hired yesterday: her class below began three hours ago, which just after midnight in
    # Beijing is yesterday, and hours from before a hire do not count in its cycle.
    page.fill("input[name=start_date]", (today - dt.timedelta(days=1)).isoformat())
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

    # She learns a lesson online: heartbeats while the tab is visible, then the quiz.
    page.goto(f"{url}{lesson.url}")
    page.wait_for_function(
        "() => Number(document.getElementById('lesson-status').dataset.seconds || 0) >= 7",
        timeout=60000,  # heartbeats are real seconds; a loaded CI machine is slower
    )
    page.click("text=开始测验")
    page.check("input[name=q_0][value='1']")
    page.click("form:has(input[name=attempt]) button[type=submit]")
    assert "已通过" in page.inner_text("body")
    page.goto(f"{url}/learning/")
    assert page.inner_text("[data-role=caregiver] .theory-hours").strip() == "0.1"
    _shot(page, "2b-learned-online")

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
    assert HourEntry.objects.get(person=person, source="offline").hours == Decimal("2.0")
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
    assert "签名有效" in page.inner_text("section.credential")
    # The signed credential, checked as a third party would: only the published keys.
    with page.expect_download() as download:
        page.click("section.credential a.btn")
    token = Path(download.value.path()).read_text()
    keys = {k["kid"]: k for k in page.request.get(f"{url}/.well-known/jwks.json").json()["keys"]}
    assert vc.verify(token, keys).valid
    login(page, live_server, worker_user.email)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{url}/me/certificates/")
    assert certificate.serial in page.inner_text("body")
    _on_screen(page, "td.status .badge", "td.actions .btn-secondary")  # 下载电子凭证
    _shot(page, "5a-my-certificates-on-a-phone")
    page.goto(f"{url}/subsidies/eligibility/")
    card = page.locator(".subsidy-option[data-type=training]")
    card.locator("input[name=pledge]").check()
    card.locator("button", has_text="申请").click()
    assert "已提交" in page.inner_text("body")
    app = SubsidyApplication.objects.get(person=person)
    assert app.amount == Decimal("800.00")
    _shot(page, "5-applied")
    page.set_viewport_size({"width": 1366, "height": 900})

    # 6. HR sends it to 公示; a member of the public objects during the notice.
    login(page, live_server, cast.hr_reviewer.email)
    page.goto(f"{url}/subsidies/review/{app.pk}/")
    assert "培训合格证书 · ¥800.00" in page.inner_text("main")  # no "None" for a level-less one
    page.click("button[value=approve_notice]")
    assert "公示中" in page.inner_text("h1")
    login(page, live_server, cast.outsider.email)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{url}/subsidies/notice/")
    _on_screen(page, "td.amount", "td.deadline")
    assert "赵*育" in page.inner_text("body") and "None" not in page.inner_text("main")
    page.fill("textarea[name=text]", "据悉此人未参加培训")
    page.click("text=提交异议")
    assert "异议已提交" in page.inner_text("body")
    _shot(page, "6-objection-filed")
    page.set_viewport_size({"width": 1366, "height": 900})
    app.refresh_from_db()
    after_notice = dt.datetime.combine(
        app.notice_end + dt.timedelta(days=1), dt.time(10), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(after_notice, tick=True):
        # 7. The notice has run out: HR resolves the objection, then approves.
        login(page, live_server, cast.hr_reviewer.email)
        page.goto(f"{url}/subsidies/approval/")
        page.click(f"#ready a[href='/subsidies/review/{app.pk}/']")
        page.click("button[value=approve]")
        assert "存在未处理的异议" in page.inner_text("body")
        page.fill("textarea[name=resolution]", "经核实已参加培训，异议不成立")
        page.click("button[value=dismiss]")
        page.click("button[value=approve]")
        assert "已批准" in page.inner_text("h1")
        _shot(page, "7-approved")

        # 8. The payment officer builds the month's batch with both caregivers' applications.
        login(page, live_server, cast.hr_payment.email)
        page.goto(f"{url}/subsidies/batches/")
        for pk in (app.pk, second_app.pk):
            page.check(f"input[name=application][value='{pk}']")
        page.click("button[value=build_selected]")
        assert "1100.00" in page.inner_text("#batches")
        _shot(page, "8-batch-of-two")

        # 9. The regulator bans the second caregiver.
        login(page, live_server, cast.regulator.email)
        page.goto(f"{url}/bans/new/")
        page.fill("input[name=name]", "李保育")
        page.fill("input[name=id_number]", second_number)
        page.select_option("select[name=region]", str(regions.kunming.pk))
        page.fill("input[name=decision_number]", "昆卫禁〔2026〕9号")
        page.fill("input[name=authority]", "昆明市卫生健康委员会")
        page.fill("input[name=effective_date]", timezone.localdate().isoformat())
        page.locator("form.card button[type=submit]").click()
        preview = page.inner_text("[data-testid=ban-preview]")
        assert "撤销 1 张有效证书" in preview and "驳回或移出 1 份补贴申请" in preview
        _shot(page, "9a-ban-preview")
        page.click("button[name=confirm]")
        page.wait_for_load_state()
        _shot(page, "9-ban-registered")
        # The ban is a finding in her credit record (D-38), which the regulator sees at once.
        page.goto(f"{url}/credit/?kind=ban")
        records = page.inner_text("[data-testid=credit-records]")
        assert "昆卫禁〔2026〕9号" in records and "李保育" in records

        # 10. Her certificate shows 已撤销 to anyone who checks it.
        page.context.clear_cookies()
        page.goto(f"{url}/verify/{second_cert.verification_code}/")
        assert "已撤销" in page.inner_text("body")
        assert "状态：已撤销" in page.inner_text("section.credential")  # its status list too

        # 11. Her institution sees the flag and ends the employment in one step.
        login(page, live_server, cast.institution_admin.email)
        page.goto(f"{url}/institution/dashboard/?org={orgs.institution.pk}")
        flagged = page.locator("tr.row-flagged")
        assert flagged.count() == 1 and "李保育" in flagged.inner_text()
        flagged.locator("button", has_text="解除任职").click()
        page.wait_for_load_state()
        second_employment.refresh_from_db()
        assert second_employment.end_date == timezone.localdate()
        _shot(page, "11-employment-ended")

        # 12. Her application has left the open batch: the export totals 800, which is paid.
        login(page, live_server, cast.hr_payment.email)
        page.goto(f"{url}/subsidies/batches/")
        batches = page.inner_text("#batches")
        assert "800.00" in batches and "1100.00" not in batches
        with page.expect_download() as download:
            page.click("#batches button[value=export]")
        rows = list(
            load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.iter_rows(
                values_only=True
            )
        )
        assert [r[0] for r in rows[1:-1]] == [app.pk]
        assert Decimal(str(rows[-1][-1])) == Decimal("800")
        page.goto(f"{url}/subsidies/batches/")
        page.fill("#batches input[name=bank_reference]", "BANK-STORY-1")
        page.click("#batches button[value=paid]")
        assert "已标记支付" in page.inner_text("body")
        _shot(page, "12-paid")

        # 13. The first caregiver sees every state, ending with 已发放.
        login(page, live_server, worker_user.email)
        page.goto(f"{url}/subsidies/mine/")
        body = page.inner_text("body")
        for label in ("已提交", "公示中", "已批准", "已发放"):
            assert label in body

    # 14. The regulator finds the whole story on the first caregiver's record.
    login(page, live_server, cast.regulator.email)
    page.goto(f"{url}/people/{person.pk}/")
    body = page.inner_text("body")
    assert certificate.serial in body
    assert "入职查询" in page.inner_text("[data-testid=ban-checks]")
    assert "已发放" in page.inner_text("[data-testid=applications]")
    assert page.locator("[data-role=caregiver] .total-hours").inner_text().startswith("2.1")
    _shot(page, "14-regulator-sees-the-record")
    app.refresh_from_db()
    second_app.refresh_from_db()
    assert (app.status, second_app.status) == (S.PAID, S.REJECTED)
