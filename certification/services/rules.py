"""Editing requirement rules (D-6, D-15; DOMAIN preamble: regional rules with effective dates).

A rule that has ever been in effect is never changed: a revision ends it the day before the
new version's effective date and creates the new version, so every past cycle summary can
still be explained by the row that was in force then. A rule that has not yet come into
effect may be corrected in place. Every change is audited in its transaction; after commit the
compliance summaries are recomputed (certification.recompute_compliance).
"""

import datetime as dt
import zlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import queue
from certification.access import deny, staff_scope
from certification.access.rules import can_edit_rule
from certification.audit import audit_record
from certification.models import RequirementRule, StaffRole
from certification.rules.requirements import RuleValues, periods_overlap, requirement_rule_errors

VALUE_FIELDS = (
    "total_hours",
    "theory_min",
    "practice_min",
    "cycle_years",
    "yearly_min_hours",
    "effective_from",
    "effective_to",
    "note",
)


def _values(fields: dict) -> RuleValues:
    return RuleValues(
        total_hours=Decimal(fields["total_hours"]),
        theory_min=Decimal(fields["theory_min"]),
        practice_min=Decimal(fields["practice_min"]),
        cycle_years=int(fields["cycle_years"]),
        yearly_min_hours=(
            None
            if fields.get("yearly_min_hours") in (None, "")
            else Decimal(fields["yearly_min_hours"])
        ),
        effective_from=fields["effective_from"],
        effective_to=fields.get("effective_to"),
    )


def _lock_role_region(role: str, region) -> None:
    """Serialise writers of one role+region so two overlapping versions cannot both pass the
    overlap check (PostgreSQL advisory lock, released at commit)."""
    key = zlib.crc32(f"rule:{role}:{region.pk if region else ''}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [(7_201_312 << 32) | key])


def _overlap_errors(
    *, role: str, region, values: RuleValues, exclude_ids: tuple[int, ...] = ()
) -> dict[str, list[str]]:
    others = (
        RequirementRule.objects.filter(role=role, region=region)
        .exclude(pk__in=exclude_ids)
        .order_by("effective_from")
    )
    for other in others:
        if periods_overlap(
            values.effective_from, values.effective_to, other.effective_from, other.effective_to
        ):
            until = other.effective_to.isoformat() if other.effective_to else _("长期")
            return {
                "effective_from": [
                    _(
                        "与同一岗位、同一地区的另一条规则（%(start)s 至 %(end)s）生效期重叠；"
                        "请修改那条规则（生成新版本）或另选日期。"
                    )
                    % {"start": other.effective_from.isoformat(), "end": until}
                ]
            }
    return {}


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError({k or "__all__": v for k, v in errors.items()})


def _snapshot(rule: RequirementRule) -> dict:
    return {
        "role": rule.role,
        "region": rule.region_id or "national",
        **{f: getattr(rule, f) for f in VALUE_FIELDS},
    }


def _enqueue_recompute() -> None:
    """After commit: rebuild the cycle summaries so the people a rule change affects get new
    requirements. The task recomputes everyone (it takes no region); it is idempotent."""
    queue.enqueue_after_commit(queue.RECOMPUTE_COMPLIANCE)


def _require_region_in_scope(actor, region, *, action: str, obj=None) -> None:
    scope = staff_scope(actor)
    if region is None or not scope.covers_path(region.path, StaffRole.REGULATOR):
        deny(actor, action=action, obj=obj)


def requirement_rule_create(
    *, actor, role: str, region, today: dt.date | None = None, **fields
) -> RequirementRule:
    """D-6/D-15: a new regional rule. Regulators of `region` (or an ancestor) only; national
    rows cannot be created here. Raises ValidationError by field (see
    rules.requirements.requirement_rule_errors, plus an overlapping period for the same role and
    region) and PermissionDenied (audited)."""
    # Access first, outside the write transaction, so the denial's audit row is kept.
    _require_region_in_scope(actor, region, action="rule.create")
    return _create_tx(
        actor=actor, role=role, region=region, today=today or timezone.localdate(), fields=fields
    )


@transaction.atomic
def _create_tx(*, actor, role, region, today, fields) -> RequirementRule:
    values = _values(fields)
    _raise(requirement_rule_errors(values, today=today))
    _lock_role_region(role, region)
    _raise(_overlap_errors(role=role, region=region, values=values))
    rule = RequirementRule.objects.create(
        role=role, region=region, **{f: fields.get(f) for f in VALUE_FIELDS if f in fields}
    )
    audit_record(
        actor=actor, action="rule.create", obj=rule, data=_snapshot(rule), region_path=region.path
    )
    _enqueue_recompute()
    return rule


def requirement_rule_revise(
    *, actor, rule: RequirementRule, today: dt.date | None = None, **fields
) -> RequirementRule:
    """D-6/D-15: change a regional rule; returns the row that now holds the new values.

    - never in effect yet (effective_from after today): corrected in place;
    - in effect: superseded — the old row ends the day before the new version's effective
      date (which must be after the old one's start and not after its planned end), and a new
      row is created; the old row keeps its numbers;
    - already ended: refused.
    Raises ValidationError by field, PermissionDenied (audited) outside the regulator's
    regions or for national rows."""
    if not can_edit_rule(staff_scope(actor), rule):
        deny(actor, action="rule.edit", obj=rule)
    return _revise_tx(actor=actor, rule=rule, today=today or timezone.localdate(), fields=fields)


@transaction.atomic
def _revise_tx(*, actor, rule, today, fields) -> RequirementRule:
    _lock_role_region(rule.role, rule.region)
    rule = (
        RequirementRule.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=rule.pk)
    )
    values = _values(fields)
    if rule.effective_to is not None and rule.effective_to < today:
        _raise(
            {
                None: [
                    _("该规则已于 %(date)s 失效，不能修改；如需恢复请新建规则。")
                    % {"date": rule.effective_to.isoformat()}
                ]
            }
        )
    errors = requirement_rule_errors(values, today=today)
    scheduled = rule.effective_from > today
    if not scheduled:
        if values.effective_from <= rule.effective_from:
            errors.setdefault("effective_from", []).append(
                _("新版本的生效日期必须晚于原规则的生效日期（%(date)s）。")
                % {"date": rule.effective_from.isoformat()}
            )
        elif rule.effective_to is not None and values.effective_from > rule.effective_to:
            errors.setdefault("effective_from", []).append(
                _("新版本须在原规则失效（%(date)s）前生效；之后的规则请新建。")
                % {"date": rule.effective_to.isoformat()}
            )
    _raise(errors)
    _raise(
        _overlap_errors(role=rule.role, region=rule.region, values=values, exclude_ids=(rule.pk,))
    )
    before = _snapshot(rule)
    if scheduled:
        for f in VALUE_FIELDS:
            if f in fields:
                setattr(rule, f, fields[f])
        rule.save()
        audit_record(
            actor=actor,
            action="rule.update",
            obj=rule,
            data={"before": before, "after": _snapshot(rule)},
            region_path=rule.region.path,
        )
        _enqueue_recompute()
        return rule
    # Only the end date of a rule that has been in effect changes (conditional update, so a
    # concurrent edit of the same row cannot slip in between).
    old_end = values.effective_from - dt.timedelta(days=1)
    RequirementRule.objects.filter(pk=rule.pk, effective_to=rule.effective_to).update(
        effective_to=old_end
    )
    new = RequirementRule.objects.create(
        role=rule.role,
        region=rule.region,
        **{f: fields.get(f) for f in VALUE_FIELDS if f in fields},
    )
    audit_record(
        actor=actor,
        action="rule.supersede",
        obj=new,
        data={
            "supersedes": rule.pk,
            "old_effective_to": old_end,
            "before": before,
            "after": _snapshot(new),
        },
        region_path=rule.region.path,
    )
    _enqueue_recompute()
    return new


def requirement_rule_end(
    *, actor, rule: RequirementRule, effective_to: dt.date, today: dt.date | None = None
) -> RequirementRule:
    """End a regional rule on `effective_to` (today or later), after which the next less
    specific rule (an ancestor region's or the national one) applies again. Only the end date
    changes. Raises ValidationError, PermissionDenied (audited)."""
    if not can_edit_rule(staff_scope(actor), rule):
        deny(actor, action="rule.end", obj=rule)
    return _end_tx(
        actor=actor, rule=rule, effective_to=effective_to, today=today or timezone.localdate()
    )


@transaction.atomic
def _end_tx(*, actor, rule, effective_to, today) -> RequirementRule:
    rule = (
        RequirementRule.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=rule.pk)
    )
    if rule.effective_to is not None and rule.effective_to < today:
        _raise({None: [_("该规则已于 %(date)s 失效。") % {"date": rule.effective_to.isoformat()}]})
    if effective_to < today:
        _raise({"effective_to": [_("失效日期不能早于今天：已经适用过的规则不能追溯修改。")]})
    if effective_to < rule.effective_from:
        _raise({"effective_to": [_("失效日期不能早于生效日期。")]})
    before = rule.effective_to
    RequirementRule.objects.filter(pk=rule.pk).update(effective_to=effective_to)
    rule.refresh_from_db()
    audit_record(
        actor=actor,
        action="rule.end",
        obj=rule,
        data={"effective_to": effective_to, "previous_effective_to": before},
        region_path=rule.region.path,
    )
    _enqueue_recompute()
    return rule
