import datetime as dt
from decimal import Decimal as D

from certification.models import CycleStatus
from certification.rules.cycles import (
    Cycle,
    audience_counts_for,
    cycle_anchor,
    cycle_bounds,
    cycle_containing,
    cycle_status,
)


def test_a_29_february_anchor_falls_to_28_february_in_common_years():
    anchor = dt.date(2024, 2, 29)
    first = cycle_bounds(anchor=anchor, number=1, years=5)
    assert first.end == dt.date(2029, 2, 27)
    second = cycle_bounds(anchor=anchor, number=2, years=5)
    assert second.start == dt.date(2029, 2, 28)
    assert cycle_bounds(anchor=anchor, number=4, years=5).start == dt.date(2039, 2, 28)


def test_the_cycle_last_day_belongs_to_the_cycle_and_the_next_day_to_the_next():
    anchor = dt.date(2022, 3, 1)
    assert cycle_containing(anchor=anchor, day=dt.date(2027, 2, 28), years=5).number == 1
    assert cycle_containing(anchor=anchor, day=dt.date(2027, 3, 1), years=5).number == 2


def test_a_date_before_the_anchor_is_in_no_cycle():
    assert cycle_containing(anchor=dt.date(2022, 3, 1), day=dt.date(2022, 2, 28), years=5) is None


def test_staff_employed_before_the_programme_start_are_anchored_at_the_programme_start():
    assert cycle_anchor(
        first_start=dt.date(2015, 6, 1), programme_start=dt.date(2021, 1, 1)
    ) == dt.date(2021, 1, 1)
    assert cycle_anchor(
        first_start=dt.date(2023, 6, 9), programme_start=dt.date(2021, 1, 1), calendar_aligned=True
    ) == dt.date(2023, 1, 1)


def test_course_audience_decides_which_role_the_hours_count_for():
    assert audience_counts_for(audience=["caregiver"], role="caregiver")
    assert not audience_counts_for(audience=["caregiver"], role="director")
    assert audience_counts_for(audience="all", role="director")


def _status(theory, practice, on_date):
    cycle = Cycle(1, dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    return cycle_status(
        theory=D(theory),
        practice=D(practice),
        total_required=D(120),
        theory_min=D(40),
        practice_min=D(80),
        cycle=cycle,
        on_date=on_date,
    )


def test_status_is_met_on_track_behind_or_lapsed():
    assert _status(40, 80, dt.date(2022, 1, 1)) == CycleStatus.MET
    # 100 hours without the practice minimum is not met.
    assert _status(60, 60, dt.date(2023, 1, 1)) == CycleStatus.ON_TRACK
    assert _status(5, 5, dt.date(2023, 7, 1)) == CycleStatus.BEHIND
    assert _status(30, 70, dt.date(2026, 1, 1)) == CycleStatus.LAPSED
