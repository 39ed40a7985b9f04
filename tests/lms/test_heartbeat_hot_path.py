"""Issue 18: the lesson heartbeat is one short transaction, a learner's request neither rewrites
the session nor asks the database whether they are staff, and none of that weakens the idle
timeout, the staff TOTP gate or D-9's accrual under concurrent beats."""

import datetime as dt
import json
import threading
import time

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.models import LessonDay, LessonProgress
from lms.services.online import heartbeat_record
from tests.factories import membership
from tests.lms.content import lesson

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def _beat(client, les, tab="t1", start=False):
    return client.post(
        reverse("lms:heartbeat", args=[les.pk]),
        json.dumps({"tab": tab, "start": start}),
        content_type="application/json",
    )


def _session_data(client):
    return Session.objects.get(session_key=client.session.session_key).session_data


def _logged_in(client):
    return "_auth_user_id" in client.session


def test_a_steady_beat_is_a_handful_of_statements_and_writes_no_session(client, cast, course):
    les = lesson(course, "l1", nominal="5")
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(cast.worker_user)
        _beat(client, les, start=True)
        clock.shift(dt.timedelta(seconds=2))
        _beat(client, les)
        stored = _session_data(client)
        clock.shift(dt.timedelta(seconds=2))
        with CaptureQueriesContext(connection) as queries:
            body = _beat(client, les).json()
    assert body["active"] is True and body["active_seconds"] == 4
    sql = [q["sql"] for q in queries.captured_queries]
    # session, user, person with region, lesson; then the lock and the accrual (and the test
    # transaction's savepoint pair): no staff membership, no policy, no session write.
    assert len(sql) <= 8, "\n".join(sql)
    assert not any("staffmembership" in s or "learningpolicy" in s for s in sql)
    assert not any(s.startswith("UPDATE") and "django_session" in s for s in sql)
    assert _session_data(client) == stored
    progress = LessonProgress.objects.get(person=cast.worker, lesson=les)
    assert progress.active_seconds == 4
    assert LessonDay.objects.get(progress=progress).active_seconds == 4


def test_the_session_is_refreshed_about_once_a_minute_and_idle_still_logs_out(client, cast):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(cast.worker_user)
        client.get("/")
        stored = _session_data(client)
        clock.shift(dt.timedelta(seconds=30))
        client.get("/")
        assert _session_data(client) == stored  # within the resolution: not rewritten
        # A learner active every 30 s for 40 minutes stays logged in (the stored time moves on).
        for _ in range(80):
            clock.shift(dt.timedelta(seconds=30))
            client.get("/")
        assert _logged_in(client)
        assert _session_data(client) != stored
        clock.shift(dt.timedelta(minutes=31))
        client.get("/")
        assert not _logged_in(client)


def test_a_learner_who_becomes_staff_meets_the_totp_gate_at_the_next_request(
    client, cast, course, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    les = lesson(course, "l1", nominal="5")
    client.force_login(cast.worker_user)
    assert _beat(client, les, start=True).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert _beat(client, les).status_code == 200
    assert not any("staffmembership" in q["sql"] for q in queries.captured_queries)
    region = cast.regulator.staff_memberships.get().region
    membership(cast.worker_user, "regulator", region_obj=region)
    for response in (_beat(client, les), client.get("/")):
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")


@pytest.mark.django_db(transaction=True)
def test_concurrent_beats_of_one_person_never_credit_more_than_the_time_that_passed(cast, course):
    les = lesson(course, "l1", nominal="50")
    started = time.monotonic()
    heartbeat_record(actor=None, person=cast.worker, lesson=les, tab_token="a", start=True)
    time.sleep(1.2)
    errors = []

    def beat():
        try:
            heartbeat_record(actor=None, person=cast.worker, lesson=les, tab_token="a")
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    # Four beats of one tab at once (a retried request, a slow network): they serialise on the
    # presence row and each accrues only the time since the one before.
    threads = [threading.Thread(target=beat) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert errors == []
    progress = LessonProgress.objects.get(person=cast.worker, lesson=les)
    assert progress.active_seconds == LessonDay.objects.get(progress=progress).active_seconds
    assert 1 <= progress.active_seconds <= int(elapsed)
