"""Online learning reads (D-9, D-11, D-13) for the learner's own pages."""

import datetime as dt
import os
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from wagtail.models import Page, Site

from certification.models import CycleSummary, Employment, HourEntry, HourSource
from certification.models.assessments import AssessmentResult
from cms.choices import ALL_STAFF, HourKind
from lms.models import ClassSession, Enrolment, LessonProgress


def enrolments_with_progress(*, person) -> list[dict]:
    """Each enrolled course with lessons done / total and hours credited on it.

    Three queries whatever the number of enrolments: the enrolments, the live lessons counted per
    course, and the person's progress summed per course (issue 18: it was three per enrolment).
    A lesson is a live child page of its course; its course is found by cutting the last path
    step off the lesson's tree path, so no per-course query or OR of prefixes is needed. Rows are
    plain values (no page objects to build) with the course's URL."""
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .order_by("pk")
        .values("course_id", "course__code", "course__title", "course__path", "course__url_path")
    )
    if not enrolments:
        return []
    paths = [e["course__path"] for e in enrolments]
    # The courses' common ancestor bounds both scans by the indexed tree path.
    near = os.path.commonprefix(paths)
    lessons = dict(
        Page.objects.live()
        .filter(path__startswith=near)
        .annotate(parent=_parent_path("path"))
        .filter(parent__in=paths)
        .values("parent")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("parent", "n")
    )
    progress = {
        row["parent"]: row
        for row in LessonProgress.objects.filter(
            person=person, lesson__live=True, lesson__path__startswith=near
        )
        .annotate(parent=_parent_path("lesson__path"))
        .filter(parent__in=paths)
        .values("parent")
        .annotate(
            done=Count("id", filter=Q(completed_at__isnull=False)), credited=Sum("credited_hours")
        )
        .order_by()
    }
    urls = _page_urls([e["course__url_path"] for e in enrolments])
    rows = []
    for e in enrolments:
        path = e["course__path"]
        total = lessons.get(path, 0)
        done = progress.get(path, {}).get("done", 0)
        rows.append(
            {
                "course_id": e["course_id"],
                "code": e["course__code"],
                "title": e["course__title"],
                "url": urls[e["course__url_path"]],
                "lessons": total,
                "done": done,
                "percent": round(100 * done / total) if total else 0,
                "credited": progress.get(path, {}).get("credited") or Decimal("0"),
            }
        )
    return rows


def _parent_path(field: str):
    """A tree page's parent's path: its own without the last step."""
    return Substr(field, 1, Length(field) - Page.steplen)


def _page_urls(url_paths: list[str]) -> dict[str, str | None]:
    """What `page.url` gives for pages of these url_paths, without building the pages: one
    lookup of the sites' root paths and one reverse of Wagtail's serve route (whose pattern is
    the page's path below its site root). None for a page under no site, as `page.url`."""
    roots = Site.get_site_root_paths()
    single_site = len({r.site_id for r in roots}) == 1
    serve = reverse("wagtail_serve", args=("",))
    append_slash = getattr(settings, "WAGTAIL_APPEND_SLASH", True)
    urls: dict[str, str | None] = {}
    for url_path in url_paths:
        root = next((r for r in roots if url_path.startswith(r.root_path)), None)
        if root is None:
            urls[url_path] = None
            continue
        page_path = serve + iri_to_uri(url_path[len(root.root_path) :])
        if not append_slash and page_path != "/":
            page_path = page_path.rstrip("/")
        urls[url_path] = page_path if single_site else root.root_url + page_path
    return urls


def hours_by_role(*, person) -> list[dict]:
    """D-11/D-13: per role the person holds, theory/practice hours in the current cycle.

    Uses the compliance CycleSummary when one covers today; otherwise sums the ledger entries
    whose course audience includes the role (or "all"). Returns the entries behind the numbers.
    """
    today = timezone.localdate()
    roles = sorted(set(Employment.objects.filter(person=person).values_list("role", flat=True)))
    # Labels looked up once: a model's get_FOO_display hashes its lazy choices on every call.
    kinds = {k: str(label) for k, label in HourKind.choices}
    sources = {k: str(label) for k, label in HourSource.choices}
    result = []
    for role in roles:
        # Matched in the database, not by loading every course page per role.
        audience = (
            Q(course__isnull=True)
            | Q(course__audience_roles__contains=[role])
            | Q(course__audience_roles__contains=[ALL_STAFF])
        )
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
                "entries": [
                    {
                        **e,
                        "kind_label": kinds.get(e["kind"], e["kind"]),
                        "source_label": sources.get(e["source"], e["source"]),
                    }
                    for e in entries.order_by("-date", "-id").values(
                        "date", "hours", "kind", "source", "course__title"
                    )[:50]
                ],
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
