"""The lesson heartbeat under load (issue 18): BENCH_HEARTBEAT_LEARNERS (default 1,000)
logged-in learners, each enrolled on an online course and beating on its lesson, against the
floor measured in the same run: bare Django updating one row in a transaction (bench/floor
POST /write/<pk>).

bench/http.py's harness: gunicorn (2 gthread workers × 8 threads, persistent connections) and
wrk with 32 connections, each measured run after a short warm-up run (BENCH_HTTP_WARMUP,
default 3s). Every request carries its learner's session cookie and the CSRF cookie and header a
browser sends; the body is the page's {"tab": ...}. The server runs with the production interval
(30 s, bench/heartbeat_settings.py) so each learner's beats, once per pass over the learners,
continue one span. Prints `heartbeat_p99_ratio` and `heartbeat_cpu_ratio` (goal ≤ 2×),
`heartbeat_rps`, the heartbeat's and the floor's loads, then checks what was accrued: every
learner's time, none more than the time that passed (no doubled seconds). The learners live in a
region of their own (970000), so no other figure moves. Skipped with a reason without wrk.
"""

import datetime as dt
import json
import os
import time
import urllib.request
from decimal import Decimal

from bench.http import floor_server, floor_table, have_wrk, report_load, report_ratio, serving, wrk

LEARNERS = int(os.environ.get("BENCH_HEARTBEAT_LEARNERS", "1000"))
WARMUP = os.environ.get("BENCH_HTTP_WARMUP", "3s")
SETTINGS = "bench.heartbeat_settings"
# 32 of CSRF_ALLOWED_CHARS, sent as the cookie and the header (not a secret: a bench token).
CSRF_SECRET = "benchHeartbeatCsrfSecret00000000"  # noqa: S105


def _lesson():
    """One online course with one long lesson (40 学时: no beat of the run completes it, as
    for nearly every beat of a real learner)."""
    from wagtail.models import Page, Site

    from cms.models import CoursePage, LessonPage

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    parent = site.root_page if site else Page.get_first_root_node()
    course = parent.add_child(
        instance=CoursePage(
            title="基准心跳课程",
            slug="bench-heartbeat",
            code="BENCH-BEAT",
            audience_roles=["caregiver"],
        )
    )
    return course, course.add_child(
        instance=LessonPage(title="第1课", slug="lesson-1", nominal_hours=Decimal("40"))
    )


def _seed() -> tuple[int, list[str], list[int]]:
    """The learners, enrolled, each with a session as after a login; returns (lesson id,
    session keys, person ids)."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from certification import pii
    from certification.models import Person
    from lms.models import Enrolment
    from tests.factories import region as make_region

    province = make_region("970000", "基准心跳省")
    city = make_region("970100", "基准心跳市", province)
    course, lesson = _lesson()
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(
                email=f"bench-beat-{i}@example.test",
                display_name=f"心跳{i}",
                password=make_password(None),
            )
            for i in range(LEARNERS)
        ]
    )
    cipher = pii.encrypt("970102199001010000")
    people = Person.objects.bulk_create(
        [
            Person(
                name=f"心跳{i}",
                id_type="resident",
                id_cipher=cipher,
                id_index=f"bench-beat-{i}",
                id_masked="970102**********00",
                region=city,
                birth_date=dt.date(1990, 1, 1),
                user=user,
            )
            for i, user in enumerate(users)
        ]
    )
    Enrolment.objects.bulk_create([Enrolment(person=p, course=course) for p in people])
    expire = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    store = SessionStore()
    sessions = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expire,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions)
    return lesson.pk, [s.session_key for s in sessions], [p.pk for p in people]


def _headers(session_key: str) -> dict:
    from django.conf import settings

    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}",
        "X-CSRFToken": CSRF_SECRET,
        "Content-Type": "application/json",
    }


def run(report) -> None:
    if not have_wrk():
        print(
            "# bench_heartbeat skipped: wrk is not installed (Debian package wrk; `make` "
            "installs it as root)",
            flush=True,
        )
        return
    lesson_id, keys, person_ids = _seed()
    path = f"/learning/lessons/{lesson_id}/beat/"
    bodies = [json.dumps({"tab": f"bench-tab-{i}"}) for i in range(LEARNERS)]

    floor_table(LEARNERS)
    with floor_server() as server:
        floor = wrk(
            server, [f"/write/{i + 1}" for i in range(LEARNERS)], method="POST", warmup=WARMUP
        )
    report_load(report, "floor_write", floor)

    with serving(settings=SETTINGS) as server:
        server.wait_ready("/")
        _check_beat(server.url + path, keys[0], bodies[0])
        started = time.time()
        load = wrk(
            server,
            [path] * LEARNERS,
            method="POST",
            bodies=bodies,
            request_headers=[_headers(k) for k in keys],
            warmup=WARMUP,
        )
        wall = time.time() - started
    report_load(report, "heartbeat", load)
    report_ratio(report, "heartbeat", load, floor)
    _check_accrued(person_ids, lesson_id, wall, every=load.requests >= 2 * LEARNERS)


def _check_beat(url: str, session_key: str, body: str) -> None:
    """wrk accepts a 3xx (a redirect to the login page): make sure a beat is a beat."""
    request = urllib.request.Request(  # noqa: S310
        url, data=body.encode(), headers=_headers(session_key), method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.geturl() == url, response.geturl()
        answer = json.loads(response.read())
    assert answer["active"] is True, answer


def _check_accrued(person_ids: list[int], lesson_id: int, wall: float, *, every: bool) -> None:
    """None accrued more than the wall time of the runs; the lesson's total equals the sum of
    its days; and, when the run came round to every learner at least twice (`every`), every
    learner beat and accrued."""
    from django.db.models import Max, Min, Sum

    from lms.models import LearnerPresence, LessonDay, LessonProgress

    beaten = LearnerPresence.objects.filter(person_id__in=person_ids).count()
    progress = LessonProgress.objects.filter(person_id__in=person_ids, lesson_id=lesson_id)
    totals = progress.aggregate(
        s=Sum("active_seconds"), lo=Min("active_seconds"), hi=Max("active_seconds")
    )
    days = LessonDay.objects.filter(progress__in=progress).aggregate(s=Sum("active_seconds"))["s"]
    print(
        f"# heartbeat accrued {totals['s']} s over {beaten} learners in {wall:.0f} s of load "
        f"(per learner {totals['lo']}–{totals['hi']} s)",
        flush=True,
    )
    if every:
        assert beaten == len(person_ids), f"only {beaten} of {len(person_ids)} learners beat"
        assert totals["lo"] > 0, "a learner accrued nothing: spans did not continue"
    assert totals["hi"] <= wall + 1, "a learner accrued more time than passed"
    assert totals["s"] == days, "the lesson's seconds differ from the sum of its days"
