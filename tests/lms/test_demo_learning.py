"""The demo has learners part-way through the three courses: the demo worker's My learning shows
progress and credited hours from the ledger. Loading the demo twice changes nothing."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from wagtail.models import Site

from certification.models import AssessmentResult, HourEntry
from cms.demo import demo_steps
from cms.models import User
from lms.models import Enrolment, LessonProgress, QuizAttempt

NEEDED = {"regions, organisations, people and accounts", "learning", "online learners"}
WORKER = "worker@demo.carecert.cn"


@pytest.fixture(autouse=True)
def _forget_site_roots():
    """The demo moves the site root; the rollback does not reach Wagtail's cached root paths."""
    yield
    Site.clear_site_root_paths_cache()


def _load():
    for step in demo_steps():
        if step.name in NEEDED:
            step.func(lambda _msg: None)


def test_demo_learners_are_part_way_through_and_reloading_adds_nothing(client, db):
    _load()
    online = HourEntry.objects.filter(source="online")
    counts = (
        Enrolment.objects.count(),
        LessonProgress.objects.count(),
        QuizAttempt.objects.count(),
        online.count(),
        AssessmentResult.objects.count(),
    )
    assert set(Enrolment.objects.values_list("course__code", flat=True)) == {
        "DIR-01",
        "CARE-01",
        "CE-01",
    }
    worker_hours = online.filter(person__user__email=WORKER).aggregate(s=Sum("hours"))["s"]
    assert worker_hours == Decimal("2.0")
    assert QuizAttempt.objects.filter(person__user__email=WORKER, passed=False).exists()

    client.force_login(User.objects.get(email=WORKER))
    page = client.get(reverse("lms:my_learning"))
    rows = {row["code"]: row for row in page.context["courses"]}
    assert (rows["CARE-01"]["done"], rows["CARE-01"]["lessons"]) == (2, 3)
    assert rows["CARE-01"]["credited"] == Decimal("2.0")
    assert rows["CE-01"]["done"] == 0
    assert "保育人员" in page.content.decode()

    found = client.get("/courses/", {"q": "窒息"}).context["courses"]  # in a CARE-01 lesson
    assert [c.code for c in found] == ["CARE-01"]

    _load()
    assert counts == (
        Enrolment.objects.count(),
        LessonProgress.objects.count(),
        QuizAttempt.objects.count(),
        online.count(),
        AssessmentResult.objects.count(),
    )
