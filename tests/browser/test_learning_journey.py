import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from wagtail.models import Site

from certification.models import LearningPolicy
from cms.choices import HourKind
from cms.models import CoursePage, LessonPage
from tests.browser.journey import login, screenshot, with_passwords

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/learning-journey")
QUIZ = {
    "title": "课后测验",
    "pass_mark": 100,
    "questions": [
        {
            "question": "婴儿睡眠应采取哪种姿势？",
            "choices": ["仰卧", "俯卧"],
            "correct": "1",
            "explanation": "",
        },
    ],
}


def test_caregiver_learns_a_lesson_passes_the_quiz_and_sees_hours(
    live_server, page, cast, regions, settings
):
    settings.LEARNING_HEARTBEAT_SECONDS = 1
    LearningPolicy.objects.create(
        region=regions.yunnan,
        effective_from=dt.date(2020, 1, 1),
        minutes_per_class_hour=1,
        daily_cap_hours=Decimal("7"),
        programme_start=dt.date(2021, 1, 1),
    )  # 1 学时 = 1 minute
    with_passwords(cast.worker_user)
    root = Site.objects.get(is_default_site=True).root_page
    course = CoursePage(
        title="保育人员培训", slug="caregiver", code="BR-1", audience_roles=["caregiver"]
    )
    root.add_child(instance=course)
    lesson = LessonPage(
        title="安全睡眠",
        slug="sleep",
        nominal_hours=Decimal("0.1"),
        hour_kind=HourKind.THEORY,
        body=[("quiz", QUIZ)],
    )
    course.add_child(instance=lesson)

    login(page, live_server, cast.worker_user.email)

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}{lesson.url}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
    status = page.locator("#lesson-status")
    page.wait_for_function(
        "() => Number(document.getElementById('lesson-status').dataset.seconds || 0) >= 7",
        timeout=60000,  # heartbeats are real seconds; a loaded CI machine is slower,
    )
    assert "已学习" in status.inner_text()
    screenshot(page, SHOTS, "1-lesson-on-a-phone")

    page.click("text=开始测验")
    page.check("input[name=q_0][value='1']")
    page.click("form:has(input[name=attempt]) button[type=submit]")
    assert "已通过" in page.inner_text("body")
    screenshot(page, SHOTS, "2-quiz-passed")

    page.goto(f"{live_server.url}/learning/")
    theory = page.locator("[data-role=caregiver] .theory-hours").inner_text()
    assert re.fullmatch(r"0\.1", theory.strip())
    screenshot(page, SHOTS, "3-hours-on-my-learning")
