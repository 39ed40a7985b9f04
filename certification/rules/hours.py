"""Pure rules for crediting class hours (D-7, D-8, D-9). Values in, values out; no database."""

from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext_noop

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


def base_credit_errors(
    *,
    entry_date,
    today,
    backdate_days: int,
    course_given: bool,
    accreditation_windows: tuple,
) -> dict[str, tuple[str, dict]]:
    """D-7/D-10: a training base credits hours only for a course it is accredited for on the
    entry's date, never for a future date, and no further back than the region's window.
    Returns {field: (msgid, params)}; empty when the entry may be credited."""
    errors: dict[str, tuple[str, dict]] = {}
    if entry_date > today:
        errors["date"] = (gettext_noop("学习日期不能晚于今天。"), {})
    elif (today - entry_date).days > backdate_days:
        errors["date"] = (
            gettext_noop("只能补录 %(days)s 天内的学时，更早的记录请联系监管部门更正。"),
            {"days": backdate_days},
        )
    if not course_given:
        errors["course_id"] = (gettext_noop("培训基地记录学时须注明课程。"), {})
    elif not any(start <= entry_date <= end for start, end in accreditation_windows):
        errors["course_id"] = (
            gettext_noop("该培训基地在学习日期没有这门课程的培训资质。"),
            {},
        )
    return errors
