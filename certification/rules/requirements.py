"""D-6, D-12, D-15: pure checks of a requirement rule's numbers and dates. No database: the
service adds the checks that need other rows (overlapping periods)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

MAX_CYCLE_YEARS = 10  # sanity bound for a typing error; D-12's default is 5


@dataclass(frozen=True)
class RuleValues:
    total_hours: Decimal
    theory_min: Decimal
    practice_min: Decimal
    cycle_years: int
    yearly_min_hours: Decimal | None


def requirement_rule_errors(values: RuleValues) -> dict[str, list[str]]:
    """D-6/D-15: every problem with the numbers of a rule version, by field (None = the whole
    rule; the dates are checked for every policy table in rules.policy_tables).

    - hours are not negative; theory + practice minima do not exceed the cycle total (D-6);
    - the rule requires something (a cycle total or a yearly minimum, D-15);
    - cycles last 1…10 years (D-12 default 5).
    """
    errors: dict[str | None, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    for field in ("total_hours", "theory_min", "practice_min"):
        if getattr(values, field) < 0:
            add(field, _("学时不能为负数。"))
    minima = values.theory_min + values.practice_min
    if minima > values.total_hours:
        add(
            "theory_min",
            _("理论与实操学时下限之和（%(minima)s）超过周期总学时（%(total)s）。")
            % {"minima": minima, "total": values.total_hours},
        )
    if values.yearly_min_hours is not None and values.yearly_min_hours <= 0:
        add("yearly_min_hours", _("每年在岗培训学时应大于 0；不要求请留空。"))
    if values.total_hours == 0 and values.yearly_min_hours is None:
        add("total_hours", _("规则至少要求周期总学时或每年在岗培训学时之一。"))
    if not 1 <= values.cycle_years <= MAX_CYCLE_YEARS:
        add("cycle_years", _("周期年数应在 1 到 %(max)s 年之间。") % {"max": MAX_CYCLE_YEARS})
    return errors


def periods_overlap(
    a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None
) -> bool:
    """Two inclusive date ranges (None = open-ended) share at least one day."""
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)
