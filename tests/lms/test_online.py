import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from certification.models import HourEntry, HourSource
from certification.services.hours import hours_credit
from cms.choices import HourKind
from lms.models import Enrolment, LessonProgress
from lms.services.online import (
    enrolment_create,
    heartbeat_record,
    quiz_attempt_start,
    quiz_attempt_submit,
)
from tests.lms.content import lesson

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def beats(person, les, start, seconds, step=2, tab="a", first=True):
    result = None
    for i, offset in enumerate(range(0, seconds + 1, step)):
        result = heartbeat_record(
            actor=None,
            person=person,
            lesson=les,
            tab_token=tab,
            start=first and i == 0,
            now=start + dt.timedelta(seconds=offset),
        )
    return result


def ledger(person):
    return HourEntry.objects.filter(person=person).aggregate(s=Sum("hours"))["s"] or Decimal("0")


def test_steady_beats_credit_active_time_once_nominal_time_is_reached(cast, course):
    les = lesson(course, "l1", nominal="2")
    beats(cast.worker, les, T0, 60)
    assert ledger(cast.worker) == Decimal("0")  # completion rule not met yet (2 min nominal)
    beats(cast.worker, les, T0 + dt.timedelta(seconds=62), 60, first=False)
    assert ledger(cast.worker) == Decimal("2")


def test_a_gap_longer_than_twice_the_interval_ends_the_span(cast, course):
    les = lesson(course, "l1", nominal="5")
    beats(cast.worker, les, T0, 10)
    heartbeat_record(
        actor=None,
        person=cast.worker,
        lesson=les,
        tab_token="a",
        now=T0 + dt.timedelta(seconds=10 + 5),
    )  # gap 5 s > 2 × 2 s
    assert LessonProgress.objects.get(person=cast.worker, lesson=les).active_seconds == 10


def test_two_tabs_do_not_double_count(cast, course):
    one, two = lesson(course, "l1", nominal="5"), lesson(course, "l2", nominal="5")
    heartbeat_record(actor=None, person=cast.worker, lesson=one, tab_token="a", start=True, now=T0)
    heartbeat_record(
        actor=None,
        person=cast.worker,
        lesson=two,
        tab_token="b",
        start=True,
        now=T0 + dt.timedelta(seconds=1),
    )
    for s in range(2, 21, 2):
        for les, tab in ((one, "a"), (two, "b")):
            heartbeat_record(
                actor=None,
                person=cast.worker,
                lesson=les,
                tab_token=tab,
                now=T0 + dt.timedelta(seconds=s),
            )
    first = LessonProgress.objects.get(person=cast.worker, lesson=one).active_seconds
    second = LessonProgress.objects.get(person=cast.worker, lesson=two).active_seconds
    assert first == 0 and second == 19


def test_a_lesson_credits_at_most_its_nominal_hours(cast, course):
    les = lesson(course, "l1", nominal="1")
    beats(cast.worker, les, T0, 300)
    assert ledger(cast.worker) == Decimal("1")


def test_quiz_lesson_credits_nothing_until_the_quiz_is_passed(cast, course):
    les = lesson(course, "l1", nominal="1", quiz=True)
    with time_machine.travel(T0 + dt.timedelta(minutes=5)):
        beats(cast.worker, les, T0, 90)
        assert ledger(cast.worker) == Decimal("0")
        failed = quiz_attempt_start(person=cast.worker, lesson=les)
        quiz_attempt_submit(
            actor=cast.worker_user,
            attempt_id=failed.pk,
            person=cast.worker,
            answers={"0": [2], "1": [2]},
        )
        assert ledger(cast.worker) == Decimal("0")
        passed = quiz_attempt_start(person=cast.worker, lesson=les)
        quiz_attempt_submit(
            actor=cast.worker_user,
            attempt_id=passed.pk,
            person=cast.worker,
            answers={"0": [1], "1": [1]},
        )
    assert passed.__class__.objects.get(pk=passed.pk).score == 100
    assert ledger(cast.worker) == Decimal("1")


def test_daily_cap_of_7_hours_spans_online_and_offline(cast, course, orgs):
    hours_credit(
        person=cast.worker,
        date=dt.date(2026, 11, 23),
        hours=Decimal("6"),
        kind=HourKind.PRACTICE,
        source=HourSource.OFFLINE,
        training_base=orgs.base,
    )
    les = lesson(course, "l1", nominal="3")
    beats(cast.worker, les, T0, 200)
    online = HourEntry.objects.get(person=cast.worker, source=HourSource.ONLINE)
    assert online.hours == Decimal("1") and ledger(cast.worker) == Decimal("7")


def test_a_span_across_midnight_credits_each_day_separately(cast, course, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    les = lesson(course, "l1", nominal="2")
    # 23:59:00 → 00:01:00 Beijing time: 60 s on each day.
    start = dt.datetime(2026, 11, 23, 15, 59, tzinfo=dt.UTC)
    with time_machine.travel(start):
        beats(cast.worker, les, start, 120)
    days = dict(HourEntry.objects.filter(person=cast.worker).values_list("date", "hours"))
    assert days == {dt.date(2026, 11, 23): Decimal("1"), dt.date(2026, 11, 24): Decimal("1")}


def test_enrolment_is_recorded_once(cast, course):
    enrolment_create(actor=cast.worker_user, person=cast.worker, course=course)
    enrolment_create(actor=cast.worker_user, person=cast.worker, course=course)
    assert Enrolment.objects.filter(person=cast.worker).count() == 1


def test_beats_after_the_daily_cap_do_not_inflate_the_lessons_credited_hours(cast, course, orgs):
    # 6.5 offline leaves 0.5 of the 7-hour cap: the lesson's 3 hours earn 0.5 today, and the
    # beats that follow must not count that 0.5 again and again on the lesson's progress.
    hours_credit(
        person=cast.worker,
        date=dt.date(2026, 11, 23),
        hours=Decimal("6.5"),
        kind=HourKind.PRACTICE,
        source=HourSource.OFFLINE,
        training_base=orgs.base,
    )
    les = lesson(course, "l1", nominal="3")
    beats(cast.worker, les, T0, 240)
    progress = LessonProgress.objects.get(person=cast.worker, lesson=les)
    online = HourEntry.objects.filter(person=cast.worker, source=HourSource.ONLINE)
    assert online.aggregate(s=Sum("hours"))["s"] == Decimal("0.5")
    assert progress.credited_hours == Decimal("0.5")
    assert progress.days.get().credited_hours == Decimal("0.5")
