"""Reads of the ban register (D-22)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from certification.models import BanCheck, BanEntry, BanRecheckDate, Employment, Person
from certification.rules.policy_tables import recheck_due


def bans_in_force(*, on: dt.date | None = None) -> QuerySet[BanEntry]:
    """Active entries in force on a date: lifetime bans always; term bans within their term."""
    on = on or timezone.localdate()
    return BanEntry.objects.filter(status=BanEntry.Status.ACTIVE, effective_date__lte=on).filter(
        Q(ban_type=BanEntry.BanType.LIFETIME) | Q(term_start__lte=on, term_end__gte=on)
    )


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
