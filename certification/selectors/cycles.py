"""Where a person's cycles come from (D-12): per role the anchor, region and governing rule.
Reads only; services.compliance (writes the summaries) and selectors.compliance (answers) share it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from certification.models import Employment
from certification.rules.cycles import cycle_anchor, cycle_containing
from certification.selectors.rules import learning_policy_for, most_specific_rule, rule_candidates


@dataclass(frozen=True)
class RoleContext:
    """Where a person's cycles in one role come from (D-12)."""

    role: str
    anchor: dt.date
    region: object  # Region of the first employment's institution
    institution_id: int | None  # current (or latest) employment, for dashboards
    region_path: str
    # (start date, region) of each employment in the role, oldest first: a cycle follows the
    # rules of the region the person worked in when it began (D-12), so a move changes the
    # rules from the next cycle on, never in the middle of one.
    workplaces: tuple = ()

    def region_on(self, day: dt.date):
        """The region of the newest employment begun on or before `day` (else the first)."""
        region = self.region
        for start, workplace in self.workplaces:
            if start > day:
                break
            region = workplace
        return region


def employments_by_role(person) -> dict[str, list[Employment]]:
    """The person's employments per role, each list ordered by start date."""
    by_role: dict[str, list[Employment]] = {}
    for employment in (
        Employment.objects.filter(person=person)
        .select_related("institution__region")
        .order_by("start_date", "id")
    ):
        by_role.setdefault(employment.role, []).append(employment)
    return by_role


def role_contexts(person) -> dict[str, RoleContext]:
    """D-12: per role the person has held, the cycle anchor: first employment start in the
    role, or the programme start of that employment's region when the employment began
    earlier (or the calendar-aligned variant where the region's policy says so)."""
    return {role: role_context(role, rows) for role, rows in employments_by_role(person).items()}


def role_context(role: str, rows: list[Employment], policy_for=learning_policy_for) -> RoleContext:
    first = rows[0]
    region = first.institution.region
    policy = policy_for(region, first.start_date)
    anchor = cycle_anchor(
        first_start=first.start_date,
        programme_start=policy.programme_start,
        calendar_aligned=policy.cycle_alignment == policy.CycleAlignment.CALENDAR,
    )
    current = next((e for e in reversed(rows) if e.end_date is None), rows[-1])
    return RoleContext(
        role=role,
        anchor=anchor,
        region=region,
        institution_id=current.institution_id,
        region_path=current.institution.region.path,
        workplaces=tuple((e.start_date, e.institution.region) for e in rows),
    )


def requirement_rules_of(role: str, region):
    """requirement_rule_for for one (role, region) on any number of dates with one query: the
    same precedence (own region, then ancestors, then national; latest effective_from, then
    latest id, among the rows in force on the date)."""
    rows, codes = rule_candidates(role=role, region=region)

    def rule_for(*, role, region, on_date):
        return most_specific_rule(rows, codes, on_date)

    return rule_for


def rule_and_cycle(ctx: RoleContext, day: dt.date, rule_for=None):
    """The rule governing the cycle that contains `day`, and that cycle (or None, None).

    The cycle's region is where the person worked when it began (`RoleContext.region_on`).

    Cycle length comes from the rule in force on `day`; the requirement from the rule in force
    on the cycle's start (falling back to the one in force on `day`), so a rule whose effective
    date has not come never applies (D-6 preamble)."""
    rule_for = rule_for or requirement_rules_of(ctx.role, ctx.region)
    rule = rule_for(role=ctx.role, region=ctx.region, on_date=day)
    if rule is None or not rule.total_hours:  # no cycle requirement (yearly-only rows)
        return None, None
    cycle = cycle_containing(anchor=ctx.anchor, day=day, years=rule.cycle_years)
    if cycle is None:
        return None, None
    region = ctx.region_on(cycle.start)
    if region != ctx.region:  # a cycle begun after a move: the new region's rules (D-12)
        rule_for = requirement_rules_of(ctx.role, region)
        rule = rule_for(role=ctx.role, region=region, on_date=day) or rule
    rule = rule_for(role=ctx.role, region=region, on_date=cycle.start) or rule
    if not rule.total_hours:
        return None, None
    return rule, cycle
