"""The learner's /learning/ page under load (issue 18): a caregiver enrolled on
BENCH_LEARNING_ENROLMENTS (default 84) online courses of 3 lessons each, with progress on two
lessons and one ledger entry per course, logged in (her session cookie sent by wrk), against the
floor measured in the same run: bare Django rendering a page of as many rows as hers shows
(bench/floor /page/<n>: one card per enrolment plus the ledger table's rows).

bench/http.py's harness: gunicorn (2 gthread workers × 8 threads, persistent connections) and
wrk with 32 connections; each measured run follows a short warm-up run (BENCH_HTTP_WARMUP,
default 3s). Prints `learning_page_p99_ratio` and `learning_page_cpu_ratio` (goal ≤ 1.5×) beside
both loads. The learner lives in a region of her own (980000), so no other figure moves.
Skipped with a reason without wrk.
"""

import datetime as dt
import os
import urllib.request
from decimal import Decimal

from bench.http import floor_server, floor_table, have_wrk, report_load, report_ratio, serving, wrk

ENROLMENTS = int(os.environ.get("BENCH_LEARNING_ENROLMENTS", "84"))
LESSONS = 3
LEDGER_SHOWN = 50  # the page lists a role's newest 50 entries (lms.selectors.hours_by_role)
WARMUP = os.environ.get("BENCH_HTTP_WARMUP", "3s")
PATH = "/learning/"


def _courses() -> list:
    """ENROLMENTS online courses with LESSONS lessons each, under the site's root page."""
    from wagtail.models import Page, Site

    from cms.models import CoursePage, LessonPage

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    parent = site.root_page if site else Page.get_first_root_node()
    courses = []
    for n in range(ENROLMENTS):
        course = parent.add_child(
            instance=CoursePage(
                title=f"基准在线课程{n}",
                slug=f"bench-learning-{n}",
                code=f"BENCH-LEARN-{n}",
                audience_roles=["caregiver"],
            )
        )
        course.bench_lessons = [
            course.add_child(
                instance=LessonPage(
                    title=f"第{i + 1}课", slug=f"lesson-{i}", nominal_hours=Decimal("1.0")
                )
            )
            for i in range(LESSONS)
        ]
        courses.append(course)
    return courses


def _seed() -> tuple[str, int]:
    """The learner and her courses; returns (session key, rows her page shows)."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from certification.models import HourEntry
    from certification.services.compliance import compliance_on_employment_change
    from lms.models import Enrolment, LessonProgress
    from tests.factories import EmploymentFactory, OrganisationFactory, PersonFactory, UserFactory
    from tests.factories import region as make_region

    province = make_region("980000", "基准学习省")
    city = make_region("980100", "基准学习市", province)
    user = UserFactory(email="bench-learner@example.test", display_name="基准学员")
    person = PersonFactory(name="基准学员", user=user, region=city)
    EmploymentFactory(
        person=person, institution=OrganisationFactory(name="基准学习托育园", region=city)
    )
    courses = _courses()
    Enrolment.objects.bulk_create([Enrolment(person=person, course=c) for c in courses])
    now = timezone.now()
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(
                person=person,
                lesson=lesson,
                active_seconds=2400,
                credited_hours=Decimal("1.0") if i == 0 else Decimal("0.5"),
                completed_at=now if i == 0 else None,
            )
            for c in courses
            for i, lesson in enumerate(c.bench_lessons[:2])
        ]
    )
    today = timezone.localdate()
    HourEntry.objects.bulk_create(
        [
            HourEntry(
                person=person,
                date=today - dt.timedelta(days=n),
                hours=Decimal("1.5"),
                kind="theory",
                source="online",
                course=c,
                evidence={"bench": True},
            )
            for n, c in enumerate(courses)
        ]
    )
    compliance_on_employment_change(person=person)
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return key, ENROLMENTS + min(ENROLMENTS, LEDGER_SHOWN)


def run(report) -> None:
    from django.conf import settings

    if not have_wrk():
        print(
            "# bench_learning skipped: wrk is not installed (Debian package wrk; `make` "
            "installs it as root)",
            flush=True,
        )
        return
    key, rows = _seed()
    print(f"# /learning/ with {ENROLMENTS} enrolments: {rows} rows", flush=True)
    floor_table(rows)
    with floor_server() as server:
        floor = wrk(server, [f"/page/{rows}"], warmup=WARMUP)
    report_load(report, "floor_page", floor)

    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"}
    with serving() as server:
        server.wait_ready(PATH, headers=cookie)
        _check_logged_in(server.url + PATH, cookie)
        load = wrk(server, [PATH], headers=cookie, warmup=WARMUP)
    report_load(report, "learning_page", load)
    report_ratio(report, "learning_page", load, floor)


def _check_logged_in(url: str, headers: dict) -> None:
    """A redirect to the login page is a 3xx wrk would accept: make sure it is her page."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = response.read().decode()
        assert response.geturl() == url, response.geturl()
    assert f"基准在线课程{ENROLMENTS - 1}" in body, "the learner's page did not list her courses"
