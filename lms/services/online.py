"""Online learning writes: enrolment, heartbeats and crediting, quiz attempts (D-7, D-9, D-16).

Credited hours go to certification only through certification.services.hours.hours_credit.
"""

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit import audit_record
from certification.models import (
    AssessmentKind,
    AssessmentResult,
    CheckPurpose,
    HourSource,
    Person,
)
from certification.rules.hours import (
    lesson_creditable_hours,
    minutes_to_class_hours,
    span_continues,
)
from certification.selectors.rules import learning_policy_for
from certification.services.assessments import assessment_passed, assessment_record
from certification.services.bans import ban_gate
from certification.services.hours import hours_credit
from cms.models import CoursePage
from lms.models import Enrolment, LearnerPresence, LessonDay, LessonProgress, QuizAttempt


def enrolment_create(*, actor, person, course) -> Enrolment:
    """D-16: enrol a person on a course; the ban gate runs first, outside the write transaction
    (so the audit row of a hit survives the refusal). Raises PersonBanned. Idempotent."""
    ban_gate(
        id_index=person.id_index, purpose=CheckPurpose.ENROLMENT, actor=actor, name=person.name
    )
    return _enrolment_write(actor=actor, person=person, course=course)


@transaction.atomic
def _enrolment_write(*, actor, person, course) -> Enrolment:
    enrolment, created = Enrolment.objects.get_or_create(
        person=person, course=course, defaults={"created_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action="lms.enrol",
            obj=enrolment,
            data={"person": person.pk, "course": course.pk},
        )
    return enrolment


def quiz_block(lesson):
    """The lesson's quiz block value, or None when the lesson has no quiz."""
    for block in lesson.body:
        if block.block_type == "quiz":
            return block.value
    return None


def _split_by_day(start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
    """D-7: (local date, seconds) pieces of [start, end); seconds after midnight belong to the
    next day."""
    pieces = []
    cur = timezone.localtime(start)
    end = timezone.localtime(end)
    while cur < end:
        midnight = (cur + datetime.timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        stop = min(end, midnight)
        pieces.append((cur.date(), int((stop - cur).total_seconds())))
        cur = stop
    return [p for p in pieces if p[1] > 0]


def lesson_completed(*, progress: LessonProgress, lesson, minutes_per_hour: int) -> bool:
    """D-9: the completion rule: quiz passed if the lesson has one, else nominal time reached."""
    if quiz_block(lesson) is not None:
        return QuizAttempt.objects.filter(
            person_id=progress.person_id, lesson=lesson, passed=True
        ).exists()
    needed = Decimal(lesson.nominal_hours) * minutes_per_hour * 60
    return progress.active_seconds >= needed


def _credit_progress(*, progress: LessonProgress, lesson, policy, actor) -> Decimal:
    """D-9/D-7: post what the lesson has earned and not yet been credited, day by day."""
    mph = policy.minutes_per_class_hour
    if not lesson_completed(progress=progress, lesson=lesson, minutes_per_hour=mph):
        return Decimal("0")
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
    allowed = lesson_creditable_hours(progress.active_seconds, mph, lesson.nominal_hours)
    posted = Decimal("0")
    course = lesson.get_parent().specific
    for day in progress.days.select_for_update().order_by("date"):
        room = allowed - progress.credited_hours
        if room <= 0:
            break
        earned = minutes_to_class_hours(Decimal(day.active_seconds) / 60, mph) - day.credited_hours
        want = min(earned, room)
        if want <= 0:
            continue
        entry = hours_credit(
            person=progress.person,
            date=day.date,
            hours=want,
            kind=lesson.hour_kind,
            source=HourSource.ONLINE,
            course=course if hasattr(course, "audience_roles") else None,
            evidence={"lesson": lesson.pk, "active_seconds": day.active_seconds},
            # Keyed by where today's credit stands before this post: a capped post moves it
            # on, so the next beat's post is new rather than a replay of this one.
            external_ref=f"lesson:{lesson.pk}:{progress.person_id}:{day.date}:from:{day.credited_hours}",
            recorded_by=actor,
        )
        if entry is None:
            continue
        day.credited_hours += entry.hours
        day.save(update_fields=["credited_hours"])
        progress.credited_hours += entry.hours
        posted += entry.hours
    progress.save(update_fields=["credited_hours", "completed_at"])
    return posted


def heartbeat_record(
    *,
    actor,
    person,
    lesson,
    tab_token: str,
    start: bool = False,
    now: datetime.datetime | None = None,
) -> dict:
    """D-9: record one heartbeat from a visible lesson tab and credit what it earned.

    One (lesson, tab) per person accrues: a tab's first beat (`start`) takes over; beats from
    another tab are ignored while the current span is live. A span continues only while beats
    arrive within 2 × LEARNING_HEARTBEAT_SECONDS; a longer gap ends it without credit for the
    gap. Returns {"active", "active_seconds", "credited_hours", "posted"}.

    The beat itself is one short transaction of two statements (_beat_write); the rare beat
    that has something to credit posts it in a second one (_credit_after_beat), which re-reads
    under the person's lock what is still uncredited, so a process dying between the two loses
    nothing: the next beat (or the quiz) posts it.
    """
    state = _beat_write(
        person_id=person.pk, lesson_id=lesson.pk, tab_token=tab_token, start=start, now=now
    )
    posted = Decimal("0")
    if state["active"]:
        policy = learning_policy_for(person.region, timezone.localdate(state["now"]))
        if _may_credit(state, lesson, policy.minutes_per_class_hour):
            posted, state["credited_hours"] = _credit_after_beat(
                actor=actor, person=person, lesson=lesson, policy=policy
            )
    return {
        "active": state["active"],
        "active_seconds": state["active_seconds"],
        "credited_hours": str(state["credited_hours"]),
        "posted": str(posted),
    }


_PRESENCE = LearnerPresence._meta.db_table
_PROGRESS = LessonProgress._meta.db_table
_DAY = LessonDay._meta.db_table

# The person's presence row, locked: it serialises one person's beats (taken before any row of
# their progress, never while holding the person row), with the lesson's progress beside it.
_LOCK_PRESENCE = f"""
    SELECT pr.id, pr.lesson_id, pr.tab_token, pr.last_beat_at, g.active_seconds, g.credited_hours
    FROM {_PRESENCE} pr
    LEFT JOIN {_PROGRESS} g ON g.person_id = pr.person_id AND g.lesson_id = %s
    WHERE pr.person_id = %s
    FOR UPDATE OF pr"""  # noqa: S608 (table names from the models)


def _accrue_sql(days: int) -> str:
    """Add the accrued seconds to the lesson's progress and to each day's row (creating them
    on the first beat) and move the presence on, in one statement."""
    values = ", ".join(["(%s::date, %s::integer)"] * days)
    day_cte = (
        f""", d AS (
        INSERT INTO {_DAY} (progress_id, date, active_seconds, credited_hours)
        SELECT g.id, v.date, v.seconds, 0 FROM g, (VALUES {values}) AS v(date, seconds)
        ON CONFLICT (progress_id, date)
        DO UPDATE SET active_seconds = {_DAY}.active_seconds + EXCLUDED.active_seconds)"""  # noqa: S608
        if days
        else ""
    )
    return f"""
    WITH g AS (
        INSERT INTO {_PROGRESS} (person_id, lesson_id, active_seconds, credited_hours)
        VALUES (%s, %s, %s, 0)
        ON CONFLICT (person_id, lesson_id)
        DO UPDATE SET active_seconds = {_PROGRESS}.active_seconds + EXCLUDED.active_seconds
        RETURNING id, active_seconds, credited_hours, completed_at
    ){day_cte}, p AS (
        UPDATE {_PRESENCE} SET lesson_id = %s, tab_token = %s, last_beat_at = %s WHERE id = %s
    )
    SELECT active_seconds, credited_hours, completed_at FROM g"""  # noqa: S608


@transaction.atomic
def _beat_write(*, person_id: int, lesson_id: int, tab_token: str, start: bool, now) -> dict:
    """D-9 accrual, raw SQL because this runs for every learner every interval and the ORM's
    Python time per statement is most of its cost (issue 18). The beat's time is read once the
    person's beats are serialised (unless given), so a beat that waited for the lock is never
    older than the one before it."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_PRESENCE, [lesson_id, person_id])
        row = cursor.fetchone()
        if row is None:  # the person's first beat ever
            cursor.execute(
                f"INSERT INTO {_PRESENCE} (person_id, tab_token) VALUES (%s, '') "  # noqa: S608
                "ON CONFLICT (person_id) DO NOTHING",
                [person_id],
            )
            cursor.execute(_LOCK_PRESENCE, [lesson_id, person_id])
            row = cursor.fetchone()
        now = now or timezone.now()
        presence_id, current_lesson, current_tab, last_beat_at, seconds, credited = row
        is_current = current_lesson == lesson_id and current_tab == tab_token
        live = last_beat_at is not None and span_continues(
            (now - last_beat_at).total_seconds(), settings.LEARNING_HEARTBEAT_SECONDS
        )
        if not is_current and live and not start:
            if seconds is None:  # keep a progress row for every lesson beaten on, as before
                cursor.execute(
                    f"INSERT INTO {_PROGRESS} (person_id, lesson_id, active_seconds, "  # noqa: S608
                    "credited_hours) VALUES (%s, %s, 0, 0) ON CONFLICT DO NOTHING",
                    [person_id, lesson_id],
                )
            return {
                "active": False,
                "now": now,
                "active_seconds": seconds or 0,
                "credited_hours": credited if credited is not None else Decimal("0"),
            }
        pieces = _split_by_day(last_beat_at, now) if is_current and live else []
        params = [person_id, lesson_id, sum(s for _d, s in pieces)]
        for date, piece in pieces:
            params += [date, piece]
        params += [lesson_id, tab_token, now, presence_id]
        cursor.execute(_accrue_sql(len(pieces)), params)
        seconds, credited, completed_at = cursor.fetchone()
    return {
        "active": True,
        "now": now,
        "active_seconds": seconds,
        "credited_hours": credited,
        "completed_at": completed_at,
    }


def _has_quiz(lesson) -> bool:
    # The stored block types, without building the blocks.
    return any(block.get("type") == "quiz" for block in lesson.body.raw_data)


def _may_credit(state: dict, lesson, minutes_per_hour: int) -> bool:
    """Whether this beat can post anything (checked in memory, no query): the lesson has
    uncredited creditable time and is complete or just completed by time. A quiz lesson is
    completed by its passing attempt, which credits at once (quiz_attempt_submit)."""
    allowed = lesson_creditable_hours(
        state["active_seconds"], minutes_per_hour, lesson.nominal_hours
    )
    if allowed <= state["credited_hours"]:
        return False
    if state["completed_at"] is not None:
        return True
    needed = Decimal(lesson.nominal_hours) * minutes_per_hour * 60
    return state["active_seconds"] >= needed and not _has_quiz(lesson)


@transaction.atomic
def _credit_after_beat(*, actor, person, lesson, policy) -> tuple[Decimal, Decimal]:
    """Post what the lesson has earned; the person row first, then the progress, as
    quiz_attempt_submit locks them. Returns (posted, credited_hours)."""
    Person.objects.select_for_update().filter(pk=person.pk).first()
    progress = LessonProgress.objects.select_for_update().get(person_id=person.pk, lesson=lesson)
    posted = _credit_progress(progress=progress, lesson=lesson, policy=policy, actor=actor)
    return posted, progress.credited_hours


@transaction.atomic
def quiz_attempt_start(*, person, lesson) -> QuizAttempt:
    """D-16: a new attempt with its own random question order."""
    quiz = quiz_block(lesson)
    if quiz is None:
        raise ValidationError(_("本课时没有测验。"))
    order = list(range(len(quiz["questions"])))
    random.shuffle(order)  # noqa: S311 - order only, not security
    return QuizAttempt.objects.create(
        person=person, lesson=lesson, question_order=order, pass_mark=quiz["pass_mark"]
    )


def _correct_set(question) -> set[int]:
    return {int(x) for x in str(question["correct"]).replace("，", ",").split(",") if x.strip()}


@transaction.atomic
def quiz_attempt_submit(*, actor, attempt_id: int, person, answers: dict) -> QuizAttempt:
    """D-16: score an attempt (answers: question index → list of 1-based choices); once only.
    A pass may complete the lesson and credit its time (D-9)."""
    # Person first, as heartbeat_record does: serialises this person's passes (one theory report)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt_id, person=person)
    if attempt.submitted_at is not None:
        raise ValidationError(_("该次测验已提交。"))
    lesson = attempt.lesson.specific
    questions = quiz_block(lesson)["questions"]
    right = sum(
        1
        for i, q in enumerate(questions)
        if {int(c) for c in answers.get(str(i), [])} == _correct_set(q)
    )
    attempt.score = round(100 * right / len(questions))
    attempt.passed = attempt.score >= attempt.pass_mark
    attempt.answers = answers
    attempt.submitted_at = timezone.now()
    attempt.save()
    audit_record(
        actor=actor,
        action="lms.quiz_submit",
        obj=attempt,
        data={"score": attempt.score, "passed": attempt.passed},
    )
    if attempt.passed:
        progress, _c = LessonProgress.objects.select_for_update().get_or_create(
            person=person, lesson=lesson
        )
        policy = learning_policy_for(person.region, timezone.localdate())
        _credit_progress(progress=progress, lesson=lesson, policy=policy, actor=actor)
        theory_report(actor=actor, person=person, course=lesson.get_parent().specific)
    return attempt


def theory_report(*, actor, person, course) -> AssessmentResult | None:
    """D-16/D-17: a course's online theory test is the quizzes of its live lessons. Once every
    one has a passing attempt and the average of the best scores reaches the course pass mark,
    report ONE passing theory assessment to certification (in the caller's transaction; the
    caller holds the person's row lock). Later passes report nothing more; failed attempts never
    report. Returns the new result, or None."""
    if not isinstance(course, CoursePage) or not course.has_theory_test:
        return None
    if assessment_passed(person=person, course=course, kind=AssessmentKind.THEORY):
        return None
    quiz_lessons = [
        les for les in course.get_children().live().specific() if quiz_block(les) is not None
    ]
    if not quiz_lessons:
        return None  # the theory test is held offline and recorded by base staff
    best = dict(
        QuizAttempt.objects.filter(
            person=person, passed=True, lesson__in=[les.pk for les in quiz_lessons]
        )
        .values_list("lesson")
        .annotate(best=Max("score"))
    )
    if len(best) < len(quiz_lessons):
        return None
    score = (Decimal(sum(best.values())) / len(best)).quantize(Decimal("0.1"))
    if score < course.pass_mark:
        return None
    return assessment_record(
        actor=actor,
        person=person,
        course=course,
        training_base=None,
        kind=AssessmentKind.THEORY,
        score=score,
        passed=True,
        assessed_on=timezone.localdate(),
    )
