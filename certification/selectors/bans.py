"""Reads of the ban register (D-22)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from certification.models import BanEntry, Person


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
