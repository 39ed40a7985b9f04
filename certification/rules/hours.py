"""Pure rules for crediting class hours (D-7, D-8, D-9). Values in, values out; no database."""

from decimal import ROUND_DOWN, Decimal

TENTH = Decimal("0.1")


def round_down_tenth(value: Decimal) -> Decimal:
    """D-8: ledger amounts carry one decimal place; credit is never rounded up."""
    return Decimal(value).quantize(TENTH, rounding=ROUND_DOWN)


def capped_credit(requested: Decimal, already_today: Decimal, cap: Decimal) -> Decimal:
    """D-7: the amount that may still be credited today.

    min(requested, cap − already_today), rounded down to 0.1, never negative.
    """
    remaining = max(Decimal("0"), Decimal(cap) - Decimal(already_today))
    return round_down_tenth(max(Decimal("0"), min(Decimal(requested), remaining)))


def minutes_to_class_hours(minutes, minutes_per_hour: int) -> Decimal:
    """D-7: verified minutes as 学时 (1 学时 = `minutes_per_hour` minutes), rounded down to 0.1."""
    if minutes_per_hour <= 0:
        raise ValueError("minutes_per_hour must be positive")
    return round_down_tenth(Decimal(str(minutes)) / Decimal(minutes_per_hour))


def lesson_creditable_hours(
    active_seconds: int, minutes_per_hour: int, nominal_hours: Decimal
) -> Decimal:
    """D-9: a lesson credits its active time in 学时, at most its nominal hours."""
    earned = minutes_to_class_hours(Decimal(active_seconds) / Decimal(60), minutes_per_hour)
    return min(earned, round_down_tenth(nominal_hours))


def span_continues(gap_seconds: float, interval_seconds: int) -> bool:
    """D-9: an active span continues only while beats arrive within twice the interval."""
    return 0 <= gap_seconds <= 2 * interval_seconds
