"""Online learning writes: enrolment, heartbeats and crediting, quiz attempts (D-7, D-9, D-16).

Credited hours go to certification only through certification.services.hours.hours_credit.
"""

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
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


@transaction.atomic
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
    """
    now = now or timezone.now()
    interval = settings.LEARNING_HEARTBEAT_SECONDS
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise per person
    presence, _created = LearnerPresence.objects.select_for_update().get_or_create(person=person)
    progress, _c = LessonProgress.objects.select_for_update().get_or_create(
        person=person, lesson=lesson
    )
    is_current = presence.lesson_id == lesson.pk and presence.tab_token == tab_token
    live = presence.last_beat_at is not None and span_continues(
        (now - presence.last_beat_at).total_seconds(), interval
    )
    if not is_current and live and not start:
        return {
            "active": False,
            "active_seconds": progress.active_seconds,
            "credited_hours": str(progress.credited_hours),
            "posted": "0",
        }
    if is_current and live:
        for date, seconds in _split_by_day(presence.last_beat_at, now):
            day, _d = LessonDay.objects.get_or_create(progress=progress, date=date)
            day.active_seconds += seconds
            day.save(update_fields=["active_seconds"])
            progress.active_seconds += seconds
        progress.save(update_fields=["active_seconds"])
    presence.lesson = lesson
    presence.tab_token = tab_token
    presence.last_beat_at = now
    presence.save()
    policy = learning_policy_for(person.region, timezone.localdate(now))
    posted = _credit_progress(progress=progress, lesson=lesson, policy=policy, actor=actor)
    return {
        "active": True,
        "active_seconds": progress.active_seconds,
        "credited_hours": str(progress.credited_hours),
        "posted": str(posted),
    }


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
