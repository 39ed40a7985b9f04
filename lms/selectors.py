"""Online learning reads (D-9, D-11, D-13) for the learner's own pages."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from certification.models import CycleSummary, Employment, HourEntry
from certification.models.assessments import AssessmentResult
from cms.choices import HourKind
from cms.models import CoursePage
from lms.models import ClassSession, Enrolment, LessonProgress


def enrolments_with_progress(*, person) -> list[dict]:
    """Each enrolled course with lessons done / total and hours credited on it."""
    rows = []
    enrolments = Enrolment.objects.filter(person=person).select_related("course")
    for enrolment in enrolments:
        course = enrolment.course
        lesson_ids = list(course.get_children().live().values_list("pk", flat=True))
        progress = LessonProgress.objects.filter(person=person, lesson_id__in=lesson_ids)
        done = progress.filter(completed_at__isnull=False).count()
        credited = progress.aggregate(s=Sum("credited_hours"))["s"] or Decimal("0")
        rows.append(
            {
                "course": course,
                "lessons": len(lesson_ids),
                "done": done,
                "percent": round(100 * done / len(lesson_ids)) if lesson_ids else 0,
                "credited": credited,
            }
        )
    return rows


def hours_by_role(*, person) -> list[dict]:
    """D-11/D-13: per role the person holds, theory/practice hours in the current cycle.

    Uses the compliance CycleSummary when one covers today; otherwise sums the ledger entries
    whose course audience includes the role (or "all"). Returns the entries behind the numbers.
    """
    today = timezone.localdate()
    roles = sorted(set(Employment.objects.filter(person=person).values_list("role", flat=True)))
    result = []
    for role in roles:
        audience = Q(course__isnull=True)
        course_ids = [
            c.pk
            for c in CoursePage.objects.all()
            if role in (c.audience_roles or []) or "all" in (c.audience_roles or [])
        ]
        audience |= Q(course_id__in=course_ids)
        entries = HourEntry.objects.filter(person=person).filter(audience)
        summary = CycleSummary.objects.filter(
            person=person, role=role, start_date__lte=today, end_date__gte=today
        ).first()
        if summary is not None:
            entries = entries.filter(date__gte=summary.start_date, date__lte=summary.end_date)
            theory, practice = summary.theory_hours, summary.practice_hours
        else:
            sums = dict(entries.values_list("kind").annotate(s=Sum("hours")))
            theory = sums.get(HourKind.THEORY, Decimal("0"))
            practice = sums.get(HourKind.PRACTICE, Decimal("0"))
        result.append(
            {
                "role": role,
                "summary": summary,
                "theory": theory,
                "practice": practice,
                "entries": entries.select_related("course").order_by("-date", "-id")[:50],
            }
        )
    return result


def base_classes(
    *,
    training_base_ids,
    course_id: int | None = None,
    month_from=None,
    month_to=None,
    now=None,
    limit: int = 50,
) -> tuple[list[dict], list[dict]]:
    """The training-base dashboard's classes: (upcoming, recent), each with its enrolled count,
    present count and attendance rate (present / enrolled, for classes that have started).

    Counted in the database (one grouped query per list); `month_from`/`month_to` (first days of
    months, inclusive) narrow by start time.
    """

    now = now or timezone.now()
    qs = ClassSession.objects.filter(training_base_id__in=list(training_base_ids))
    if course_id:
        qs = qs.filter(course_id=course_id)
    tz = timezone.get_current_timezone()
    if month_from:
        qs = qs.filter(starts_at__gte=dt.datetime.combine(month_from, dt.time.min, tz))
    if month_to:
        nxt = (month_to.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        qs = qs.filter(starts_at__lt=dt.datetime.combine(nxt, dt.time.min, tz))
    qs = qs.annotate(
        enrolled=Count("enrolments", distinct=True),
        present=Count("attendance", filter=Q(attendance__present=True), distinct=True),
    ).select_related("course", "training_base")
    fields = [
        "pk",
        "title",
        "course__title",
        "training_base__name",
        "starts_at",
        "ends_at",
        "hours",
        "capacity",
        "status",
        "enrolled",
        "present",
    ]
    upcoming = list(
        qs.filter(starts_at__gte=now)
        .exclude(status=ClassSession.Status.CANCELLED)
        .order_by("starts_at", "pk")
        .values(*fields)[:limit]
    )
    recent = list(
        qs.filter(starts_at__lt=now).order_by("-starts_at", "-pk").values(*fields)[:limit]
    )
    for row in recent:
        row["rate"] = attendance_rate(present=row["present"], enrolled=row["enrolled"])
    for row in upcoming:
        row["rate"] = None
    return upcoming, recent


def attendance_rate(*, present: int, enrolled: int) -> Decimal | None:
    """Present / enrolled as a percentage with one decimal (None when nobody enrolled)."""
    if not enrolled:
        return None
    return (Decimal(100 * present) / Decimal(enrolled)).quantize(Decimal("0.1"))


def class_latest_results(session: ClassSession) -> dict[int, dict[str, AssessmentResult]]:
    """Per learner on the roster, the newest theory and practical result this base recorded
    on this course: {person_id: {"theory": result, "practical": result}}."""
    results = AssessmentResult.objects.filter(
        course_id=session.course_id,
        training_base_id=session.training_base_id,
        person__class_enrolments__session=session,
    ).order_by("created_at", "pk")
    latest: dict[int, dict[str, AssessmentResult]] = {}
    for result in results:
        latest.setdefault(result.person_id, {})[result.kind] = result
    return latest
