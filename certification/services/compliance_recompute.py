"""Rebuild cycle summaries from the hours ledger (D-12, D-13): `recompute_compliance`.

Built for 200,000 people / 4,000,000 ledger entries. People are taken in chunks of ids; per chunk:

1. their employments give, per role, the cycle anchor (D-12) and the cycle windows covering the
   ledger's date range. Rules are resolved once per (role, region, date bucket): rule tables
   only change at effective_from / effective_to + 1 day, so every date between two such
   breakpoints has the same rule in force (``RuleCalendar``);
2. the chunk's stored summaries are locked (so a posting running meanwhile waits, and its entry
   is counted exactly once: by us if it committed first, by its own increment otherwise);
3. one GROUP BY joins the ledger to the windows in PostgreSQL and sums theory / practice per
   (person, role, cycle), honouring course audiences (D-11; a correction follows the course of
   the entry it corrects);
4. sums and statuses are compared with the stored rows and only the differences are written,
   with one INSERT … SELECT unnest / UPDATE … FROM unnest each. Every hours difference is
   reported ("person 12 caregiver cycle 1: practice 40.0 → 4.0").

Cycles that become met get their D-18 statement enqueued after the chunk commits (never for a
cycle that was already met, so a re-run enqueues nothing twice). Idempotent: a second run finds
nothing to correct.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from certification.models import (
    CycleStatus,
    CycleSummary,
    Employment,
    HourEntry,
    LearningPolicy,
    Person,
    Region,
    RequirementRule,
)
from certification.rules.cycles import (
    Cycle,
    audience_counts_for,
    cycle_anchor,
    cycle_bounds,
    cycle_containing,
    cycle_status,
)
from certification.selectors.rules import learning_policy_for, requirement_rule_for
from certification.services.compliance import enqueue_cycle_statement
from cms.choices import HourKind, WorkerRole
from cms.models import CoursePage

ZERO = Decimal("0")


@dataclass
class RecomputeResult:
    checked: int = 0
    created: int = 0
    corrections: list[str] = field(default_factory=list)
    statements_enqueued: int = 0


def _breakpoints(model) -> list[dt.date]:
    """Dates on which some row of a rule table starts or stops being in force."""
    points = set()
    for start, end in model.objects.values_list("effective_from", "effective_to"):
        points.add(start)
        if end is not None and end < dt.date.max:
            points.add(end + dt.timedelta(days=1))
    return sorted(points)


class RuleCalendar:
    """Requirement rules and learning policies looked up once per (role, region, bucket).

    A bucket is the span between two consecutive breakpoints of the rule table; the answer of
    requirement_rule_for / learning_policy_for is the same for every date in it."""

    def __init__(self):
        self.rule_breaks = _breakpoints(RequirementRule)
        self.policy_breaks = _breakpoints(LearningPolicy)
        self._rules: dict = {}
        self._policies: dict = {}

    @staticmethod
    def _bucket(breaks: list[dt.date], day: dt.date) -> tuple[dt.date, dt.date]:
        """(first day, last day) of the bucket that contains `day`."""
        i = bisect.bisect_right(breaks, day)
        first = breaks[i - 1] if i else dt.date.min
        last = breaks[i] - dt.timedelta(days=1) if i < len(breaks) else dt.date.max
        return first, last

    def rule(self, role: str, region, day: dt.date):
        first, _last = self._bucket(self.rule_breaks, day)
        key = (role, region.code if region else None, first)
        if key not in self._rules:
            self._rules[key] = requirement_rule_for(role=role, region=region, on_date=first)
        return self._rules[key]

    def rule_segments(self, lo: dt.date, hi: dt.date):
        """The buckets overlapping [lo, hi], clipped to it."""
        day = lo
        while day <= hi:
            _first, last = self._bucket(self.rule_breaks, day)
            yield day, min(last, hi)
            if last >= hi:
                return
            day = last + dt.timedelta(days=1)

    def policy(self, region, day: dt.date):
        first, _last = self._bucket(self.policy_breaks, day)
        key = (region.code if region else None, first)
        if key not in self._policies:
            self._policies[key] = learning_policy_for(region, first)
        return self._policies[key]


@dataclass
class _Window:
    """Expected summary of one (person, role, cycle), with the date ranges it collects."""

    person_id: int
    role: str
    cycle: Cycle
    rule: object
    institution_id: int | None
    region_path: str
    ranges: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    theory: Decimal = ZERO
    practice: Decimal = ZERO
    has_entries: bool = False

    def contains(self, day: dt.date) -> bool:
        return any(lo <= day <= hi for lo, hi in self.ranges)


def _windows_for_chunk(
    lo_id: int,
    hi_id: int,
    calendar: RuleCalendar,
    regions: dict,
    first_day: dt.date,
    last_day: dt.date,
) -> dict:
    """D-12: per (person, role, cycle number) in the chunk, the windows of ledger dates that
    count toward it (cycles from the anchor through the last ledger date)."""
    rows = (
        Employment.objects.filter(person_id__gte=lo_id, person_id__lte=hi_id)
        .order_by("person_id", "role", "start_date", "id")
        .values_list(
            "person_id",
            "role",
            "start_date",
            "end_date",
            "institution_id",
            "institution__region_id",
        )
    )
    windows: dict = {}
    group: list = []

    def flush():
        if not group:
            return
        person_id, role = group[0][0], group[0][1]
        first = group[0]
        region = regions.get(first[5])
        policy = calendar.policy(region, first[2])
        anchor = cycle_anchor(
            first_start=first[2],
            programme_start=policy.programme_start,
            calendar_aligned=policy.cycle_alignment == LearningPolicy.CycleAlignment.CALENDAR,
        )
        current = next((e for e in reversed(group) if e[3] is None), group[-1])
        current_region = regions.get(current[5])
        region_path = current_region.path if current_region else ""
        start = max(anchor, first_day)
        for seg_lo, seg_hi in calendar.rule_segments(start, last_day):
            rule = calendar.rule(role, region, seg_lo)
            if rule is None or not rule.total_hours:  # yearly-only rows: no cycle
                continue
            cycle = cycle_containing(anchor=anchor, day=seg_lo, years=rule.cycle_years)
            while cycle is not None and cycle.start <= seg_hi:
                key = (person_id, role, cycle.number)
                window = windows.get(key)
                if window is None:
                    at_start = calendar.rule(role, region, cycle.start) or rule
                    window = windows[key] = _Window(
                        person_id=person_id,
                        role=role,
                        cycle=cycle,
                        rule=at_start,
                        institution_id=current[4],
                        region_path=region_path,
                    )
                window.ranges.append((max(cycle.start, seg_lo), min(cycle.end, seg_hi)))
                cycle = cycle_bounds(anchor=anchor, number=cycle.number + 1, years=rule.cycle_years)

    for row in rows.iterator(chunk_size=5000):
        if group and (row[0], row[1]) != (group[0][0], group[0][1]):
            flush()
            group = []
        group.append(row)
    flush()
    return windows


def _excluded_courses() -> dict[str, list[int]]:
    """D-11: per role, the courses whose hours do not count toward it."""
    courses = list(CoursePage.objects.values_list("id", "audience_roles"))
    return {
        role: [
            pk for pk, audience in courses if not audience_counts_for(audience=audience, role=role)
        ]
        for role in WorkerRole.values
    }


_SUMS_SQL = """
SELECT w.person_id, w.role, w.num,
       COALESCE(SUM(e.hours) FILTER (WHERE e.kind = %s), 0),
       COALESCE(SUM(e.hours) FILTER (WHERE e.kind <> %s), 0)
FROM unnest(%s::integer[], %s::varchar[], %s::integer[], %s::date[], %s::date[])
         AS w(person_id, role, num, lo, hi)
JOIN certification_hourentry e
  ON e.person_id = w.person_id AND e.date >= w.lo AND e.date <= w.hi
LEFT JOIN certification_hourentry o ON o.id = e.corrects_id
LEFT JOIN unnest(%s::varchar[], %s::integer[]) AS x(role, course_id)
  ON x.role = w.role AND x.course_id = COALESCE(o.course_id, e.course_id)
WHERE e.person_id BETWEEN %s AND %s AND x.course_id IS NULL
GROUP BY w.person_id, w.role, w.num
"""


def _ledger_sums(windows: dict, lo_id: int, hi_id: int, excluded: dict) -> None:
    """Fill theory/practice of each window from one GROUP BY over the chunk's ledger."""
    cols: tuple[list, ...] = ([], [], [], [], [])
    for (person_id, role, number), window in windows.items():
        for lo, hi in window.ranges:
            for col, value in zip(cols, (person_id, role, number, lo, hi), strict=True):
                col.append(value)
    if not cols[0]:
        return
    ex_roles = [role for role, ids in excluded.items() for _ in ids]
    ex_ids = [pk for ids in excluded.values() for pk in ids]
    with connection.cursor() as cur:
        cur.execute(
            _SUMS_SQL, [HourKind.THEORY, HourKind.THEORY, *cols, ex_roles, ex_ids, lo_id, hi_id]
        )
        for person_id, role, number, theory, practice in cur.fetchall():
            window = windows[(person_id, role, number)]
            window.theory += theory
            window.practice += practice
            window.has_entries = True


def _status(theory, practice, required: tuple, cycle: Cycle, today: dt.date) -> str:
    return cycle_status(
        theory=theory,
        practice=practice,
        total_required=required[0],
        theory_min=required[1],
        practice_min=required[2],
        cycle=cycle,
        on_date=today,
    )


def _met_on(status: str, old_met_on, end_date: dt.date, today: dt.date):
    """As summary_refresh_status: the day the cycle was first seen met; a correction can undo
    "met"."""
    if status != CycleStatus.MET:
        return None
    return old_met_on or min(today, end_date)


_STORED_FIELDS = (
    "id",
    "person_id",
    "role",
    "cycle_number",
    "start_date",
    "end_date",
    "required_total",
    "required_theory",
    "required_practice",
    "theory_hours",
    "practice_hours",
    "status",
    "met_on",
)

_INSERT_SQL = """
INSERT INTO certification_cyclesummary (person_id, role, cycle_number, start_date, end_date,
    required_total, required_theory, required_practice, theory_hours, practice_hours, status,
    met_on, institution_id, region_path, updated_at)
SELECT u.*, now() FROM unnest(%s::integer[], %s::varchar[], %s::smallint[], %s::date[],
    %s::date[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[],
    %s::varchar[], %s::date[], %s::integer[], %s::varchar[]) AS u
ON CONFLICT (person_id, role, cycle_number) DO NOTHING
RETURNING id, status
"""

_UPDATE_SQL = """
UPDATE certification_cyclesummary s
SET theory_hours = u.theory, practice_hours = u.practice, status = u.status, met_on = u.met_on,
    updated_at = now()
FROM unnest(%s::integer[], %s::numeric[], %s::numeric[], %s::varchar[], %s::date[])
     AS u(id, theory, practice, status, met_on)
WHERE s.id = u.id
"""


def _recompute_chunk(
    lo_id: int,
    hi_id: int,
    *,
    calendar: RuleCalendar,
    regions: dict,
    excluded: dict,
    first_day: dt.date,
    last_day: dt.date,
    today: dt.date,
    result: RecomputeResult,
) -> list[int]:
    """One transaction: returns the ids of summaries that have just become met."""
    windows = _windows_for_chunk(lo_id, hi_id, calendar, regions, first_day, last_day)
    stored = {
        (row[1], row[2], row[3]): row
        for row in CycleSummary.objects.select_for_update()
        .filter(person_id__gte=lo_id, person_id__lte=hi_id)
        .order_by("person_id", "role", "cycle_number")
        .values_list(*_STORED_FIELDS)
    }
    _ledger_sums(windows, lo_id, hi_id, excluded)

    inserts: tuple[list, ...] = tuple([] for _ in range(14))
    updates: tuple[list, ...] = tuple([] for _ in range(5))
    newly_met: list[int] = []
    # A summary is expected for every cycle with ledger entries and for the current cycle
    # (as compliance_on_employment_change keeps it), and checked wherever one is stored.
    expected = {
        key for key, window in windows.items() if window.has_entries or window.contains(today)
    }
    for key in sorted(expected | stored.keys()):
        person_id, role, number = key
        result.checked += 1
        window, row = windows.get(key), stored.get(key)
        theory, practice = (window.theory, window.practice) if window else (ZERO, ZERO)
        if row is None:
            rule, cycle = window.rule, window.cycle
            required = (rule.total_hours, rule.theory_min, rule.practice_min)
            status = _status(theory, practice, required, cycle, today)
            values = (
                person_id,
                role,
                number,
                cycle.start,
                cycle.end,
                *required,
                theory,
                practice,
                status,
                _met_on(status, None, cycle.end, today),
                window.institution_id,
                window.region_path,
            )
            for col, value in zip(inserts, values, strict=True):
                col.append(value)
            result.corrections.append(
                f"person {person_id} {role} cycle {number}: missing → theory {theory:.1f}, "
                f"practice {practice:.1f}"
            )
            continue
        (
            pk,
            _p,
            _r,
            _n,
            start,
            end,
            req_total,
            req_theory,
            req_practice,
            old_theory,
            old_practice,
            old_status,
            old_met_on,
        ) = row
        cycle = Cycle(number, start, end)
        status = _status(theory, practice, (req_total, req_theory, req_practice), cycle, today)
        met_on = _met_on(status, old_met_on, end, today)
        changes = [
            f"{name} {old:.1f} → {new:.1f}"
            for name, old, new in (
                ("theory", old_theory, theory),
                ("practice", old_practice, practice),
            )
            if old != new
        ]
        if changes:
            result.corrections.append(
                f"person {person_id} {role} cycle {number}: {', '.join(changes)}"
            )
        if changes or status != old_status or met_on != old_met_on:
            for col, value in zip(updates, (pk, theory, practice, status, met_on), strict=True):
                col.append(value)
            if status == CycleStatus.MET and old_met_on is None:
                newly_met.append(pk)

    with connection.cursor() as cur:
        if inserts[0]:
            cur.execute(_INSERT_SQL, list(inserts))
            created = cur.fetchall()
            result.created += len(created)
            newly_met += [pk for pk, status in created if status == CycleStatus.MET]
        if updates[0]:
            cur.execute(_UPDATE_SQL, list(updates))
    return newly_met


def compliance_recompute(
    *,
    chunk_size: int = 10000,
    today: dt.date | None = None,
    progress: Callable[[int, int, RecomputeResult], None] | None = None,
) -> RecomputeResult:
    """D-12/D-13: recompute every person's summaries from the ledger and correct differences.

    Returns the corrections as lines "person 12 caregiver cycle 1: practice 40.0 → 44.0".
    `progress(done_people, total_people, result)` is called after each committed chunk."""
    result = RecomputeResult()
    today = today or timezone.localdate()
    calendar = RuleCalendar()
    regions = Region.objects.in_bulk()
    excluded = _excluded_courses()
    span = HourEntry.objects.aggregate(first=Min("date"), last=Max("date"))
    # Cover today as well, so the current cycle's row is created even without entries.
    first_day = min(span["first"] or today, today)
    last_day = max(span["last"] or today, today)

    person_ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    total = len(person_ids)
    for offset in range(0, total, chunk_size):
        ids = person_ids[offset : offset + chunk_size]
        with transaction.atomic():
            newly_met = _recompute_chunk(
                ids[0],
                ids[-1],
                calendar=calendar,
                regions=regions,
                excluded=excluded,
                first_day=first_day,
                last_day=last_day,
                today=today,
                result=result,
            )
            # D-18: after this chunk commits; the statement task is idempotent per summary.
            for pk in newly_met:
                enqueue_cycle_statement(pk)
            result.statements_enqueued += len(newly_met)
        if progress:
            progress(min(offset + chunk_size, total), total, result)
    return result
