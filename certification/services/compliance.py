"""Keeps per-person-role-cycle summaries current (D-11, D-12, D-13, D-18).

The ledger service calls compliance_on_hour_entry in its posting transaction; the employment
services call compliance_on_employment_change. A posting adds its hours in the database
(SET theory_hours = theory_hours + n), so concurrent postings for one person cannot lose hours,
and usually costs one statement; the anchor policy and the rule rows (one query for both dates
rule_and_cycle needs) are looked up only when the cycle has no summary yet. The bulk rebuild
lives in compliance_recompute.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from certification import queue
from certification.audit import audit_record
from certification.models import CycleStatus, CycleSummary, Employment
from certification.rules.cycles import (
    Cycle,
    cycle_status,
    hours_by_kind,
)
from certification.selectors.cycles import (
    RoleContext,
    employments_by_role,
    role_context,
    role_contexts,
    rule_and_cycle,
)
from cms.choices import ALL_STAFF

log = logging.getLogger(__name__)


def _summary_for_update(person, ctx: RoleContext, rule, cycle: Cycle) -> CycleSummary:
    """Get-or-create the summary row and lock it."""
    defaults = {
        "start_date": cycle.start,
        "end_date": cycle.end,
        "required_total": rule.total_hours,
        "required_theory": rule.theory_min,
        "required_practice": rule.practice_min,
        "institution_id": ctx.institution_id,
        "region_path": ctx.region_path,
    }
    lookup = {"person": person, "role": ctx.role, "cycle_number": cycle.number}
    summary = CycleSummary.objects.select_for_update().filter(**lookup).first()
    if summary is None:
        try:
            with transaction.atomic():
                CycleSummary.objects.create(**lookup, **defaults)
        except IntegrityError:  # a concurrent posting created it first
            pass
        summary = CycleSummary.objects.select_for_update().get(**lookup)
    return summary


def _status_fields(summary: CycleSummary, on_date: dt.date) -> bool:
    """D-13: set status (and met_on) of a summary from its hours, in memory. Returns True when
    the cycle has just become met."""
    status = cycle_status(
        theory=summary.theory_hours,
        practice=summary.practice_hours,
        total_required=summary.required_total,
        theory_min=summary.required_theory,
        practice_min=summary.required_practice,
        cycle=Cycle(summary.cycle_number, summary.start_date, summary.end_date),
        on_date=on_date,
    )
    became_met = status == CycleStatus.MET and summary.met_on is None
    met_on = (
        (summary.met_on or min(on_date, summary.end_date)) if status == CycleStatus.MET else None
    )  # a correction can undo "met"
    summary.status, summary.met_on = status, met_on
    return became_met


def summary_refresh_status(*, summary: CycleSummary, on_date: dt.date | None = None) -> bool:
    """D-13: recompute status (and met_on) of a locked summary; save when changed. Returns True
    when the cycle has just become met (the caller enqueues the D-18 statement)."""
    before = (summary.status, summary.met_on)
    became_met = _status_fields(summary, on_date or timezone.localdate())
    if (summary.status, summary.met_on) != before:
        summary.save(update_fields=["status", "met_on", "updated_at"])
        if summary.status != before[0]:
            summary_status_audit(summary=summary, from_status=before[0])
    return became_met


def summary_status_audit(*, summary: CycleSummary, from_status: str) -> None:
    """A cycle's status moved (met, behind, lapsed…): the system did it, the audit says so."""
    audit_record(
        actor=None,
        action=f"cycle.{summary.status}",
        obj=summary,
        region_path=summary.person.region.path if summary.person.region_id else "",
        data={"from": from_status, "to": summary.status, "cycle": summary.cycle_number},
    )


def enqueue_cycle_statement(summary_id: int) -> None:
    """D-18: ask the certificates task to issue the statement, after commit."""
    queue.enqueue_after_commit(queue.ISSUE_CYCLE_STATEMENT, summary_id)


def _course_audience(entry):
    """D-11; a correction follows the course of the entry it corrects."""
    course = entry.corrects.course if entry.corrects_id else entry.course
    return None if course is None else course.audience_roles


# Returned by _summaries_add_hours: the summary columns the status needs, per role held.
_BUMPED = (
    "id",
    "cycle_number",
    "start_date",
    "end_date",
    "theory_hours",
    "practice_hours",
    "required_total",
    "required_theory",
    "required_practice",
    "status",
    "met_on",
)


def _summaries_add_hours(*, entry, roles, theory: Decimal, practice: Decimal) -> dict:
    """One statement: add the entry's hours to the summaries of the person's roles (those in
    `roles`, or all when None) whose dates contain the entry, and return every such role the
    person holds with its summary after the addition ({role: CycleSummary, or None where the
    role has no summary for that date yet}). The UPDATE row-locks what it changes until commit.

    Raw SQL because Django's update() cannot return the rows it changed, and reading them first
    (locked) and writing them back costs a statement more per posting."""
    summaries, employments = CycleSummary._meta.db_table, Employment._meta.db_table
    columns = ", ".join(f"s.{c}" for c in _BUMPED)
    sql = f"""
        WITH held AS (
            SELECT DISTINCT role FROM {employments}
            WHERE person_id = %(person)s AND (%(all_roles)s OR role = ANY(%(roles)s))
        ), bumped AS (
            UPDATE {summaries} s
            SET theory_hours = s.theory_hours + %(theory)s,
                practice_hours = s.practice_hours + %(practice)s,
                updated_at = %(now)s
            WHERE s.person_id = %(person)s AND s.role IN (SELECT role FROM held)
              AND s.start_date <= %(date)s AND s.end_date >= %(date)s
            RETURNING s.role, {columns}
        )
        SELECT held.role, {", ".join(f"bumped.{c}" for c in _BUMPED)}
        FROM held LEFT JOIN bumped ON bumped.role = held.role
        ORDER BY held.role, bumped.cycle_number"""  # noqa: S608 (table names from _meta)
    params = {
        "person": entry.person_id,
        "all_roles": roles is None,
        "roles": list(roles or ()),
        "theory": theory,
        "practice": practice,
        "now": timezone.now(),
        "date": entry.date,
    }
    found: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for role, *values in cursor.fetchall():
            row = dict(zip(_BUMPED, values, strict=True))
            found[role] = (
                None
                if row["id"] is None
                else CycleSummary(person_id=entry.person_id, role=role, **row)
            )
    return found


@transaction.atomic(savepoint=False)  # runs inside the posting's transaction
def compliance_on_hour_entry(*, entry) -> None:
    """D-11/D-12/D-13: add a new HourEntry to the summary of every cycle it counts toward (one
    per role whose audience the course includes), refresh status, and enqueue the D-18 statement
    when a cycle becomes met. Entries dated before the anchor count toward no cycle.

    The usual case is one statement (the roles held, their summaries updated and returned) and
    a second only when a status changes. The employments, anchor, policy and rule are looked up
    only for a role whose cycle has no summary yet."""
    audience = _course_audience(entry)
    theory, practice = hours_by_kind(entry.kind, Decimal(entry.hours))
    today = timezone.localdate()
    roles = _audience_roles(audience)
    found = _summaries_add_hours(entry=entry, roles=roles, theory=theory, practice=practice)
    missing = [role for role, summary in found.items() if summary is None]
    by_role = employments_by_role(entry.person) if missing else {}
    for role, summary in found.items():
        if summary is not None:  # the usual case: its hours are already added
            before = (summary.status, summary.met_on)
            became_met = _status_fields(summary, today)
            if (summary.status, summary.met_on) != before:
                CycleSummary.objects.filter(pk=summary.pk).update(
                    status=summary.status, met_on=summary.met_on
                )
        else:
            ctx = role_context(role, by_role[role])
            rule, cycle = rule_and_cycle(ctx, entry.date)
            if cycle is None:
                continue
            summary = _summary_for_update(entry.person, ctx, rule, cycle)  # locked until commit
            summary.theory_hours += theory
            summary.practice_hours += practice
            became_met = _status_fields(summary, today)
            CycleSummary.objects.filter(pk=summary.pk).update(
                theory_hours=F("theory_hours") + theory,
                practice_hours=F("practice_hours") + practice,
                status=summary.status,
                met_on=summary.met_on,
                updated_at=timezone.now(),
            )
        if became_met:
            enqueue_cycle_statement(summary.pk)


def _audience_roles(audience) -> list[str] | None:
    """D-11 as audience_counts_for says it: the roles an entry counts toward, None for all."""
    if audience is None:
        return None
    audience = [audience] if isinstance(audience, str) else list(audience)
    return None if ALL_STAFF in audience else audience


@transaction.atomic
def compliance_on_employment_change(*, person) -> None:
    """D-12: make sure a summary exists for the current cycle of every role the person holds,
    so dashboards and reminders see people who have not logged any hours yet."""
    today = timezone.localdate()
    for ctx in role_contexts(person).values():
        rule, cycle = rule_and_cycle(ctx, today)
        if cycle is None:
            continue
        summary = _summary_for_update(person, ctx, rule, cycle)
        if (summary.institution_id, summary.region_path) != (ctx.institution_id, ctx.region_path):
            CycleSummary.objects.filter(pk=summary.pk).update(
                institution_id=ctx.institution_id, region_path=ctx.region_path
            )
        summary_refresh_status(summary=summary, on_date=today)
