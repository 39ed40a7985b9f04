"""Compliance reads (D-12, D-13, D-15). Pages and the API read the maintained CycleSummary rows;
only the D-15 yearly figure sums one person's ledger for one year (indexed on person, date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from certification.models import CycleStatus, CycleSummary, HourEntry
from certification.rules.cycles import Cycle, cycle_status
from certification.selectors.cycles import requirement_rules_of, role_contexts, rule_and_cycle
from cms.choices import WorkerRole

ZERO = Decimal("0")


@dataclass
class RoleCompliance:
    role: str
    role_label: str
    cycle_number: int
    start_date: dt.date
    end_date: dt.date
    theory_hours: Decimal
    practice_hours: Decimal
    required_total: Decimal
    required_theory: Decimal
    required_practice: Decimal
    status: str
    status_label: str
    days_left: int
    lapsed: list[CycleSummary] = field(default_factory=list)
    # D-15: None when the region has no yearly in-service rule.
    year_hours: Decimal | None = None
    year_required: Decimal | None = None

    @property
    def total_hours(self) -> Decimal:
        return self.theory_hours + self.practice_hours

    @property
    def remaining(self) -> Decimal:
        """Hours still needed this cycle (never negative)."""
        return max(self.required_total - self.total_hours, Decimal("0"))

    @property
    def percent(self) -> int:
        if not self.required_total:
            return 100
        return min(100, int(self.total_hours * 100 / self.required_total))


def person_compliance(person, on_date: dt.date | None = None) -> list[RoleCompliance]:
    """D-12/D-13/D-15: per role the person holds, the current cycle (dates, hours earned,
    requirement, status), the lapsed past cycles, and this calendar year's in-service hours
    where a yearly rule is in force. Roles without a cycle requirement are left out."""
    on_date = on_date or timezone.localdate()
    summaries = list(CycleSummary.objects.filter(person=person).order_by("role", "cycle_number"))
    result = []
    for ctx in role_contexts(person).values():
        rule_for = requirement_rules_of(ctx.role, ctx.region)
        rule, cycle = rule_and_cycle(ctx, on_date, rule_for)
        if cycle is None:
            continue
        mine = [s for s in summaries if s.role == ctx.role]
        current = next((s for s in mine if s.cycle_number == cycle.number), None)
        theory = current.theory_hours if current else ZERO
        practice = current.practice_hours if current else ZERO
        required = (
            (current.required_total, current.required_theory, current.required_practice)
            if current
            else (rule.total_hours, rule.theory_min, rule.practice_min)
        )
        status = cycle_status(
            theory=theory,
            practice=practice,
            total_required=required[0],
            theory_min=required[1],
            practice_min=required[2],
            cycle=Cycle(cycle.number, cycle.start, cycle.end),
            on_date=on_date,
        )
        row = RoleCompliance(
            role=ctx.role,
            role_label=str(WorkerRole(ctx.role).label),
            cycle_number=cycle.number,
            start_date=cycle.start,
            end_date=cycle.end,
            theory_hours=theory,
            practice_hours=practice,
            required_total=required[0],
            required_theory=required[1],
            required_practice=required[2],
            status=status,
            status_label=str(CycleStatus(status).label),
            days_left=(cycle.end - on_date).days,
            lapsed=[
                s for s in mine if s.cycle_number < cycle.number and s.status == CycleStatus.LAPSED
            ],
        )
        yearly = rule_for(role=ctx.role, region=ctx.region, on_date=on_date)
        if yearly is not None and yearly.yearly_min_hours:
            row.year_required = yearly.yearly_min_hours
            row.year_hours = (
                HourEntry.objects.filter(
                    person=person,
                    date__gte=dt.date(on_date.year, 1, 1),
                    date__lte=dt.date(on_date.year, 12, 31),
                ).aggregate(s=Sum("hours"))["s"]
                or ZERO
            )
        result.append(row)
    return result
