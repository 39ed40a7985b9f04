"""Pure rules for continuing-education cycles and status (D-11, D-12, D-13). No database."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from certification.models.cycles import CycleStatus  # TextChoices only, no queries
from cms.choices import ALL_STAFF, HourKind


def add_years(day: dt.date, years: int) -> dt.date:
    """D-12: the same calendar day `years` later; 29 February falls to 28 February in a common
    year."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


@dataclass(frozen=True)
class Cycle:
    number: int
    start: dt.date
    end: dt.date  # inclusive last day

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def cycle_anchor(
    *, first_start: dt.date, programme_start: dt.date, calendar_aligned: bool = False
) -> dt.date:
    """D-12: cycle 1 starts at the first employment in the role, or at the region's programme
    start for staff employed before it. Calendar-aligned regions start on 1 January of that
    year."""
    anchor = max(first_start, programme_start)
    if calendar_aligned:
        anchor = dt.date(anchor.year, 1, 1)
    return anchor


def cycle_bounds(*, anchor: dt.date, number: int, years: int) -> Cycle:
    """D-12: cycle k covers [anchor + years(k−1), anchor + years·k − 1 day]."""
    if number < 1:
        raise ValueError("cycle numbers start at 1")
    start = add_years(anchor, years * (number - 1))
    end = add_years(anchor, years * number) - dt.timedelta(days=1)
    return Cycle(number=number, start=start, end=end)


def cycle_containing(*, anchor: dt.date, day: dt.date, years: int) -> Cycle | None:
    """D-12: the cycle whose range contains `day`; None before the anchor (hours earned before
    cycle 1 count toward no cycle)."""
    if day < anchor:
        return None
    number = max(1, (day.year - anchor.year) // years + 1)
    # The estimate from years can be one too high near the anniversary; step to the right one.
    while True:
        cycle = cycle_bounds(anchor=anchor, number=number, years=years)
        if day < cycle.start:
            number -= 1
        elif day > cycle.end:
            number += 1
        else:
            return cycle


def audience_counts_for(*, audience: list | str | None, role: str) -> bool:
    """D-11: an entry counts toward `role` when its course's audience includes the role or is
    "all staff". An entry without a course (e.g. an import) counts for every role."""
    if audience is None:
        return True
    if isinstance(audience, str):
        audience = [audience]
    return ALL_STAFF in audience or role in audience


def hours_by_kind(kind: str, hours: Decimal) -> tuple[Decimal, Decimal]:
    """(theory, practice) increments for one entry."""
    if kind == HourKind.THEORY:
        return hours, Decimal("0")
    return Decimal("0"), hours


def requirement_met(
    *,
    theory: Decimal,
    practice: Decimal,
    total_required: Decimal,
    theory_min: Decimal,
    practice_min: Decimal,
) -> bool:
    """D-13: met when the total and both minima are reached."""
    return theory + practice >= total_required and theory >= theory_min and practice >= practice_min


def cycle_status(
    *,
    theory: Decimal,
    practice: Decimal,
    total_required: Decimal,
    theory_min: Decimal,
    practice_min: Decimal,
    cycle: Cycle,
    on_date: dt.date,
) -> str:
    """D-13: met / on_track / behind for a running cycle, lapsed for a cycle that ended unmet.

    Elapsed share counts the days from the cycle start through `on_date` inclusive."""

    if requirement_met(
        theory=theory,
        practice=practice,
        total_required=total_required,
        theory_min=theory_min,
        practice_min=practice_min,
    ):
        return CycleStatus.MET
    if on_date > cycle.end:
        return CycleStatus.LAPSED
    length = (cycle.end - cycle.start).days + 1
    elapsed = min(max((on_date - cycle.start).days + 1, 0), length)
    share = Decimal(elapsed) / Decimal(length)
    if theory + practice >= total_required * share:
        return CycleStatus.ON_TRACK
    return CycleStatus.BEHIND
