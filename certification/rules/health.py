"""Pure rules for the yearly health care of employed people (D-36). No database.

A person's standing on a day, from their latest health check and latest health-care training:

- missing: employed, no health check recorded yet;
- unfit: the latest check's result is unfit (flags the person like a lapsed cycle);
- overdue: the health certificate has lapsed — its last valid day is before the day (a
  certificate valid until today is still valid today); flags the person too;
- due: within DUE_SOON_DAYS of the certificate's last valid day, or within DUE_SOON_DAYS of a
  year since the last check or the last training (or no training recorded yet);
- ok: otherwise.

"A year since" is measured with add_years backwards from the day (29 February falls to
28 February), the same cut-off the dashboard queries use, so the pages and counts agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from certification.rules.cycles import add_years

# Days before the certificate's expiry (or the yearly anniversary) a person counts as due, and
# the days before expiry the institution is reminded, once each (the largest is the due window).
HEALTH_REMINDER_DAYS = (30, 7)
DUE_SOON_DAYS = max(HEALTH_REMINDER_DAYS)


class HealthStatus(models.TextChoices):
    OK = "ok", _("正常")
    DUE = "due", _("即将到期")
    OVERDUE = "overdue", _("健康证已过期")
    UNFIT = "unfit", _("体检不合格")
    MISSING = "missing", _("未体检")


# Standings that flag the person like a lapsed cycle (D-13): they must not work with children
# until a new check says fit.
FLAGGED = (HealthStatus.UNFIT, HealthStatus.OVERDUE)
ATTENTION_ORDER = (
    HealthStatus.UNFIT,
    HealthStatus.OVERDUE,
    HealthStatus.MISSING,
    HealthStatus.DUE,
    HealthStatus.OK,
)


@dataclass(frozen=True)
class HealthFacts:
    """The latest check (date, fit?, certificate's last valid day) and the latest training."""

    last_check_date: dt.date | None = None
    last_check_fit: bool | None = None
    valid_until: dt.date | None = None
    last_training_date: dt.date | None = None


def health_year_cutoff(on_date: dt.date, *, due_days: int = DUE_SOON_DAYS) -> dt.date:
    """A check or training on or before this day is a year old within `due_days` of `on_date`."""
    return add_years(on_date + dt.timedelta(days=due_days), -1)


def health_status(
    facts: HealthFacts, *, on_date: dt.date, due_days: int = DUE_SOON_DAYS
) -> HealthStatus:
    """D-36: an employed person's health standing on `on_date` (see the module docstring)."""
    if facts.last_check_date is None:
        return HealthStatus.MISSING
    if facts.last_check_fit is False:
        return HealthStatus.UNFIT
    if facts.valid_until is not None and facts.valid_until < on_date:
        return HealthStatus.OVERDUE
    soon = on_date + dt.timedelta(days=due_days)
    cutoff = health_year_cutoff(on_date, due_days=due_days)
    if (
        (facts.valid_until is not None and facts.valid_until <= soon)
        or facts.last_check_date <= cutoff
        or facts.last_training_date is None
        or facts.last_training_date <= cutoff
    ):
        return HealthStatus.DUE
    return HealthStatus.OK


def health_check_problems(
    *,
    check_date: dt.date | None,
    result: str,
    certificate_number: str,
    valid_until: dt.date | None,
    today: dt.date,
) -> dict[str, str]:
    """What is wrong with a health check record, by field (empty when it can be saved): a
    check cannot be in the future; a fit result needs the health certificate's number and last
    valid day, which cannot be before the check."""
    problems: dict[str, str] = {}
    if check_date is not None and check_date > today:
        problems["check_date"] = str(_("体检日期不能晚于今天。"))
    if result == "fit":
        if not certificate_number:
            problems["certificate_number"] = str(_("体检合格时请填写健康证号。"))
        if valid_until is None:
            problems["valid_until"] = str(_("体检合格时请填写健康证有效期。"))
    if valid_until is not None and check_date is not None and valid_until < check_date:
        problems["valid_until"] = str(_("健康证有效期不能早于体检日期。"))
    return problems
