"""D-39 in a real browser at a phone's 375 px: the Kunming regulator opens 培训基地监管, sees the
base's class whose five learners all scored the same, and suspends the base's accreditation with
a decision number. The base's staff then open batch issuing: the page says the accreditation is
suspended and why, and issuing is refused. Every page passes axe-core. Screenshots go to
test-results/supervision-journey/."""

from pathlib import Path

import pytest

from certification.models import Accreditation, AuditEvent, Certificate
from certification.rules.supervision import MIN_LEARNERS
from tests.browser.journey import login, screenshot, with_passwords
from tests.browser.test_accessibility import AXE, _serious_violations
from tests.certification.builders import earn, make_course
from tests.certification.test_supervision import _class, _score
from tests.factories import AccreditationFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/supervision-journey")
PHONE = {"width": 375, "height": 900}


def _fits_and_passes_axe(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _serious_violations(page) == []


def test_a_regulator_suspends_a_flagged_base_and_its_staff_cannot_issue(
    live_server, page, cast, orgs
):
    assert AXE.exists(), "make installs axe-core (npm ci) before the browser tests"
    with_passwords(cast.regulator, cast.base_staff)
    course = make_course(title="保育人员实操培训")
    accreditation = AccreditationFactory(
        training_base=orgs.base, document_number="云卫资〔2025〕3号"
    )
    accreditation.courses.add(course)
    learners = [PersonFactory(name=f"学员{i}") for i in range(MIN_LEARNERS)]
    _class(orgs.base, course, learners, title="保育实操强化班")
    for person in learners:
        _score(person, course, orgs.base, "95")
    earn(cast.worker, course, orgs.base)  # eligible, so only the suspension stands in the way
    page.set_viewport_size(PHONE)
    url = live_server.url

    # The regulator sees the flag on the list and the reason on the base's page.
    login(page, live_server, cast.regulator.email)
    page.goto(f"{url}/supervision/bases/")
    assert "1 个异常" in page.inner_text(f"[data-testid=flagged-{orgs.base.pk}]")
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "1-bases-list")
    page.click(f"text={orgs.base.name}")
    flagged = page.inner_text("[data-testid^=flagged-class-]")
    assert "保育实操强化班" in flagged and "全部出勤且成绩一模一样" in flagged
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "2-base-detail")

    # … and suspends the accreditation with a decision number.
    card = page.locator(f"[data-testid=accreditation-{accreditation.pk}]")
    prefix = f"a{accreditation.pk}"
    card.locator(f"select[name={prefix}-action]").select_option("suspend")
    card.locator(f"input[name={prefix}-decision_number]").fill("昆卫监〔2026〕12号")
    card.locator(f"textarea[name={prefix}-reason]").fill("班次成绩雷同，暂停核查")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已记录决定 昆卫监〔2026〕12号" in page.inner_text(".messages")
    assert "已暂停" in page.inner_text(f"[data-testid=accreditation-{accreditation.pk}]")
    assert Accreditation.objects.get(pk=accreditation.pk).status == "suspended"
    assert AuditEvent.objects.filter(action="accreditation.suspend").count() == 1
    screenshot(page, SHOTS, "3-suspended")

    # The base's staff see why they cannot issue, and issuing is refused.
    login(page, live_server, cast.base_staff.email)
    page.goto(f"{url}/base/certificates/batch/?course={course.pk}")
    notice = page.inner_text("[data-testid=suspension-notice]")
    assert "已暂停" in notice and "昆卫监〔2026〕12号" in notice and "班次成绩雷同" in notice
    _fits_and_passes_axe(page)
    page.locator(f"button[name=only][value='{cast.worker.pk}']").click()
    page.wait_for_load_state()
    assert "暂停期间不能发证" in page.inner_text(".messages")
    assert not Certificate.objects.filter(person=cast.worker).exists()
    screenshot(page, SHOTS, "4-base-refused")
