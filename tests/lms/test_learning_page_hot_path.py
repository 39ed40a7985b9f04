"""Issue 18: the learner's /learning/ page costs a fixed number of queries however many courses
she is enrolled on (it was three per enrolment), and still shows each course's own figures."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from cms.models import CoursePage
from lms.models import Enrolment, LessonProgress
from tests.lms.content import lesson

pytestmark = pytest.mark.django_db


def _course(n: int, *, lessons: int = 2) -> tuple[CoursePage, list]:
    root = Site.objects.get(is_default_site=True).root_page
    course = CoursePage(
        title=f"在线课程{n}", slug=f"hot-path-{n}", code=f"HP-{n}", audience_roles=["caregiver"]
    )
    root.add_child(instance=course)
    return course, [lesson(course, f"hp-{n}-{i}", nominal="1") for i in range(lessons)]


def _enrol(person, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        course, lessons = _course(n)
        Enrolment.objects.create(person=person, course=course)
        LessonProgress.objects.create(
            person=person,
            lesson=lessons[0],
            active_seconds=60,
            credited_hours=Decimal("1.0"),
            completed_at=timezone.now(),
        )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("lms:my_learning"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_learning_page_queries_do_not_grow_with_the_enrolments(client, cast, policy):
    client.force_login(cast.worker_user)
    _enrol(cast.worker, 2)
    _queries(client)  # warm the per-process caches (site root paths, content types)
    few = _queries(client)
    _enrol(cast.worker, 10, start=2)
    many = _queries(client)
    assert many == few, (few, many)
    assert many <= 25  # the whole page, middleware included, whatever the enrolments


def test_each_course_shows_its_own_lessons_done_and_hours(client, cast, policy):
    """Progress on one course never counts towards another, and an unpublished lesson is not
    part of the course's total."""
    first, first_lessons = _course(1, lessons=3)
    second, second_lessons = _course(2, lessons=2)
    first_lessons[2].unpublish()
    for course in (first, second):
        Enrolment.objects.create(person=cast.worker, course=course)
    LessonProgress.objects.create(
        person=cast.worker,
        lesson=first_lessons[0],
        credited_hours=Decimal("1.5"),
        completed_at=timezone.now(),
    )
    LessonProgress.objects.create(
        person=cast.worker, lesson=first_lessons[1], credited_hours=Decimal("0.5")
    )
    LessonProgress.objects.create(  # on a lesson now unpublished: no longer counted
        person=cast.worker,
        lesson=first_lessons[2],
        credited_hours=Decimal("2.0"),
        completed_at=timezone.now(),
    )
    client.force_login(cast.worker_user)
    response = client.get(reverse("lms:my_learning"))
    rows = {r["course_id"]: r for r in response.context["courses"]}
    assert (rows[first.pk]["done"], rows[first.pk]["lessons"]) == (1, 2)
    assert rows[first.pk]["credited"] == Decimal("2.0")
    assert rows[first.pk]["percent"] == 50
    assert (rows[second.pk]["done"], rows[second.pk]["lessons"], rows[second.pk]["percent"]) == (
        0,
        2,
        0,
    )
    assert rows[second.pk]["credited"] == Decimal("0")
    body = response.content.decode()
    assert f'href="{first.url}"' in body
    assert "已完成 1/2 课时，已记 2.0 学时" in body
