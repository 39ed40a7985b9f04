"""Rebuild cycle summaries from the hours ledger (D-12, D-13): `recompute_compliance`.

The ledger is aggregated in the database (GROUP BY person, course, kind, date) chunk by chunk of
people; each group is placed in its cycle(s) in Python, compared with the stored summary and
corrected. Idempotent: a second run finds nothing to correct.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from certification.models import CycleSummary, Employment, HourEntry, Person
from certification.rules.cycles import audience_counts_for, hours_by_kind
from certification.selectors.rules import learning_policy_for, requirement_rule_for
from certification.services.compliance import (
    contexts_from_employments,
    enqueue_cycle_statement,
    rule_and_cycle,
    summary_refresh_status,
)
from cms.models import CoursePage

ZERO = Decimal("0")


@dataclass
class RecomputeResult:
    checked: int = 0
    created: int = 0
    corrections: list[str] = field(default_factory=list)


def compliance_recompute(*, chunk_size: int = 2000,
                         progress: Callable[[int, int], None] | None = None) -> RecomputeResult:
    """D-12/D-13: recompute every person's summaries from the ledger and correct differences.

    Returns the corrections as lines "person 12 caregiver cycle 1: practice 40.0 → 44.0"."""
    result = RecomputeResult()
    today = timezone.localdate()
    audiences = dict(CoursePage.objects.values_list("id", "audience_roles"))

    @lru_cache(maxsize=4096)
    def policy_for(region_code, day):
        return learning_policy_for(_regions[region_code], day)

    _regions: dict = {}

    def cached_policy(region, day):
        _regions[region.code] = region
        return policy_for(region.code, day)

    @lru_cache(maxsize=4096)
    def cached_rule(role, region_code, day):
        return requirement_rule_for(role=role, region=_regions[region_code], on_date=day)

    def rule_for(*, role, region, on_date):
        _regions[region.code] = region
        return cached_rule(role, region.code, on_date)

    person_ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    total = len(person_ids)
    for offset in range(0, total, chunk_size):
        ids = person_ids[offset:offset + chunk_size]
        _recompute_chunk(ids, audiences, cached_policy, rule_for, today, result)
        if progress:
            progress(min(offset + chunk_size, total), total)
    return result


@transaction.atomic
def _recompute_chunk(ids, audiences, policy_for, rule_for, today: dt.date,
                     result: RecomputeResult) -> None:
    employments = defaultdict(list)
    for employment in (Employment.objects.filter(person_id__in=ids)
                       .select_related("institution__region").order_by("start_date", "id")):
        employments[employment.person_id].append(employment)
    contexts = {pid: contexts_from_employments(rows, policy_for)
                for pid, rows in employments.items()}

    # expected[(person, role, cycle)] = [theory, practice, rule, cycle, ctx]
    expected: dict = {}
    groups = (HourEntry.objects.filter(person_id__in=ids)
              .values_list("person_id", "course_id", "corrects__course_id", "kind", "date")
              .annotate(total=Sum("hours")).order_by())
    for person_id, course_id, corrected_course_id, kind, day, hours in groups:
        course_id = corrected_course_id or course_id  # D-11 corrections follow the original
        audience = audiences.get(course_id) if course_id else None
        theory, practice = hours_by_kind(kind, hours)
        for ctx in contexts.get(person_id, {}).values():
            if not audience_counts_for(audience=audience, role=ctx.role):
                continue
            rule, cycle = rule_and_cycle(ctx, day, rule_for)
            if cycle is None:
                continue
            key = (person_id, ctx.role, cycle.number)
            row = expected.setdefault(key, [ZERO, ZERO, rule, cycle, ctx])
            row[0] += theory
            row[1] += practice

    stored = {(s.person_id, s.role, s.cycle_number): s for s in
              CycleSummary.objects.select_for_update().filter(person_id__in=ids)}
    for key in stored.keys() - expected.keys():
        expected[key] = [ZERO, ZERO, None, None, None]
    for key, (theory, practice, rule, cycle, ctx) in sorted(expected.items()):
        person_id, role, number = key
        summary = stored.get(key)
        result.checked += 1
        if summary is None:
            summary = CycleSummary.objects.create(
                person_id=person_id, role=role, cycle_number=number, start_date=cycle.start,
                end_date=cycle.end, required_total=rule.total_hours,
                required_theory=rule.theory_min, required_practice=rule.practice_min,
                institution_id=ctx.institution_id, region_path=ctx.region_path,
                theory_hours=theory, practice_hours=practice)
            result.created += 1
            result.corrections.append(
                f"person {person_id} {role} cycle {number}: missing → theory {theory:.1f}, "
                f"practice {practice:.1f}")
        else:
            changes = []
            for name, value in (("theory", theory), ("practice", practice)):
                old = getattr(summary, f"{name}_hours")
                if old != value:
                    changes.append(f"{name} {old:.1f} → {value:.1f}")
                    setattr(summary, f"{name}_hours", value)
            if changes:
                summary.save(update_fields=["theory_hours", "practice_hours", "updated_at"])
                result.corrections.append(
                    f"person {person_id} {role} cycle {number}: {', '.join(changes)}")
        if summary_refresh_status(summary=summary, on_date=today):
            enqueue_cycle_statement(summary.pk)
