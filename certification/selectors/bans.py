"""Reads of the ban register (D-22)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from certification.models import (
    BanCheck,
    BanEntry,
    BanRecheckDate,
    Certificate,
    Employment,
    Person,
    SubsidyApplication,
)
from certification.models.subsidies import ApplicationStatus
from certification.rules.policy_tables import recheck_due


def bans_in_force(*, on: dt.date | None = None) -> QuerySet[BanEntry]:
    """Active entries in force on a date: lifetime bans always; term bans within their term."""
    on = on or timezone.localdate()
    return BanEntry.objects.filter(status=BanEntry.Status.ACTIVE, effective_date__lte=on).filter(
        Q(ban_type=BanEntry.BanType.LIFETIME) | Q(term_start__lte=on, term_end__gte=on)
    )


def ban_matching(
    *, id_index: str, name: str = "", birth_date: dt.date | None = None, on: dt.date | None = None
) -> tuple[BanEntry | None, bool]:
    """The gates' lookup (D-23), one query: the newest entry in force naming this keyed ID
    hash, else (given a name and birth date) one with the same name and birth date, a near
    match. Returns (entry, True) for an exact match, (entry, False) for a near match, or
    (None, False)."""
    exact = Q(id_index=id_index)
    match = exact | Q(name=name, birth_date=birth_date) if name and birth_date else exact
    entry = (
        bans_in_force(on=on)
        .filter(match)
        .annotate(exact=ExpressionWrapper(exact, output_field=BooleanField()))
        .order_by("-exact", "-effective_date", "-id")
        .first()
    )
    return entry, bool(entry is not None and entry.exact)


def banned_person_ids(person_ids, *, on: dt.date | None = None) -> set[int]:
    """Which of these people a ban in force names (by the keyed hash of the ID number)."""
    return set(
        Person.objects.filter(
            pk__in=person_ids, id_index__in=bans_in_force(on=on).values("id_index")
        ).values_list("pk", flat=True)
    )


def region_paths_due_for_recheck(*, today: dt.date) -> list[str]:
    """The region paths of institutions with active employments whose yearly re-check day
    (D-23: the most specific BanRecheckDate in force, else the national row) has come within
    the catch-up window."""
    rows = [
        r
        for r in BanRecheckDate.objects.select_related("region")
        if r.effective_from <= today and (r.effective_to is None or r.effective_to >= today)
    ]

    def specificity(row):
        return (len(row.region.path) if row.region else 0, row.effective_from, row.pk)

    due = []
    paths = (
        Employment.objects.filter(end_date__isnull=True)
        .order_by()
        .values_list("institution__region__path", flat=True)
        .distinct()
    )
    for path in paths:
        governing = max(
            (r for r in rows if r.region is None or path.startswith(r.region.path)),
            key=specificity,
            default=None,
        )
        if governing and recheck_due(month=governing.month, day=governing.day, today=today):
            due.append(path)
    return sorted(due)


def ban_checks_of(person: Person, *, limit: int = 50) -> list[BanCheck]:
    """The latest checks run against the person's ID number (by its keyed hash), newest first."""
    return list(
        BanCheck.objects.filter(id_index=person.id_index)
        .select_related("organisation", "ban")
        .order_by("-at", "-pk")[:limit]
    )


def bans_naming(person: Person, *, on: dt.date | None = None) -> list[BanEntry]:
    """Register entries in force on the date that name the person."""
    return list(bans_in_force(on=on).filter(id_index=person.id_index).order_by("-effective_date"))


@dataclass(frozen=True)
class CascadePreview:
    """What registering a ban on an ID would touch today (D-25), for the confirmation step."""

    people: int
    certificates: int
    applications: int
    paid_applications: int
    employments: int
    institutions: list[str]


def ban_cascade_preview(*, id_index: str) -> CascadePreview:
    """Counts in the same terms as ban_cascade: valid certificates revoked, applications not yet
    rejected or withdrawn (paid ones flagged for recovery), active unflagged employments."""
    people = Person.objects.filter(id_index=id_index)
    apps = SubsidyApplication.objects.filter(person__in=people).exclude(
        status__in=(ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)
    )
    jobs = Employment.objects.filter(
        person__in=people, end_date__isnull=True, flagged_for_termination_at__isnull=True
    )
    return CascadePreview(
        people=people.count(),
        certificates=Certificate.objects.filter(
            person__in=people, status=Certificate.Status.VALID
        ).count(),
        applications=apps.count(),
        paid_applications=apps.filter(status=ApplicationStatus.PAID).count(),
        employments=jobs.count(),
        institutions=sorted(set(jobs.values_list("institution__name", flat=True))),
    )
