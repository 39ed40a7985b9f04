"""The working-day calendar as the rules read it (D-35)."""

import datetime as dt

from certification.models import CalendarDay


def calendar_exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """{day: is_working_day} for the days after `start` up to `end` that differ from Mon–Fri."""
    return dict(
        CalendarDay.objects.filter(day__gt=start, day__lte=end).values_list("day", "is_working_day")
    )


def calendar_exceptions_for_span(start: dt.date, working_days: int) -> dict[dt.date, bool]:
    """Enough of the calendar to count `working_days` on from `start` (the longest break, the
    Spring Festival, is 9 days; three calendar days per working day leaves room for it)."""
    return calendar_exceptions(start, start + dt.timedelta(days=3 * working_days + 31))


def calendar_year(year: int):
    return CalendarDay.objects.filter(day__year=year).select_related("edited_by")
