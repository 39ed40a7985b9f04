"""Editing the policy tables (DOMAIN preamble: regional rules with effective dates; the tables
are listed in certification.rules.policy_tables).

A version that has ever been in effect is never changed: a revision ends it the day before the
new version's effective date and creates the new version, so every past decision can still be
explained by the row that was in force then. A version not yet in effect may be corrected in
place. Every change is audited in its transaction; tables that move hour requirements have the
compliance summaries recomputed after commit (certification.recompute_compliance).
"""

import datetime as dt
import zlib

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from certification import queue
from certification.access import deny
from certification.access.policies import can_edit_policy_row, require_region_in_policy_scope
from certification.audit import audit_record
from certification.rules.policy_tables import PolicyTable, policy_version_errors
from certification.rules.requirements import periods_overlap
from certification.selectors.rules import rules_changed


def _lock_series(table: PolicyTable, keys: dict, region) -> None:
    """Serialise writers of one series so two overlapping versions cannot both pass the overlap
    check (PostgreSQL advisory lock, released at commit)."""
    name = f"{table.slug}:{sorted(keys.items())}:{region.pk if region else ''}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [(7_201_312 << 32) | zlib.crc32(name.encode())]
        )


def _overlap_errors(table, *, keys, region, values, exclude_ids=()) -> dict:
    others = (
        table.model.objects.filter(region=region, **keys)
        .exclude(pk__in=exclude_ids)
        .order_by("effective_from")
    )
    for other in others:
        if periods_overlap(
            values["effective_from"],
            values.get("effective_to"),
            other.effective_from,
            other.effective_to,
        ):
            until = (
                date_format(other.effective_to, "DATE_FORMAT") if other.effective_to else _("长期")
            )
            return {
                "effective_from": [
                    _(
                        "与同一地区的另一版本（%(start)s 至 %(end)s）生效期重叠；"
                        "请修改那一版本（生成新版本）或另选日期。"
                    )
                    % {"start": date_format(other.effective_from, "DATE_FORMAT"), "end": until}
                ]
            }
    return {}


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError({k or "__all__": v for k, v in errors.items()})


def _keys(table: PolicyTable, row) -> dict:
    return {f: getattr(row, f) for f in table.key_fields}


def _snapshot(table: PolicyTable, row) -> dict:
    return {
        "table": table.slug,
        "region": row.region_id or "national",
        **_keys(table, row),
        **{f: getattr(row, f) for f in table.version_fields},
    }


def _after_change(table: PolicyTable) -> None:
    """The cached rule/policy answers are dropped (now and at commit: the end-date changes are
    queryset updates, which no signal sees). After commit: rebuild the cycle summaries so the
    people a change affects get new requirements. The task recomputes everyone (it takes no
    region); it is idempotent."""
    rules_changed()
    if table.moves_compliance:
        queue.enqueue_after_commit(queue.RECOMPUTE_COMPLIANCE)


def _version_values(table: PolicyTable, fields: dict) -> dict:
    return {f: fields.get(f) for f in table.version_fields if f in fields}


def policy_version_create(
    *, actor, table: PolicyTable, region, today: dt.date | None = None, **fields
):
    """A new regional version of `table`: staff holding the table's editor role for `region`
    (or an ancestor) only; national rows are seeded, not created here. Raises ValidationError
    by field (the table's checks, dates, an overlapping period of the same series) and
    PermissionDenied (audited)."""
    # Access first, outside the write transaction, so the denial's audit row is kept.
    require_region_in_policy_scope(actor, table, region, action=f"{table.audit_prefix}.create")
    return _create_tx(
        actor=actor, table=table, region=region, today=today or timezone.localdate(), fields=fields
    )


@transaction.atomic
def _create_tx(*, actor, table, region, today, fields):
    keys = {f: fields.get(f) for f in table.key_fields}
    values = _version_values(table, fields)
    _raise(policy_version_errors(table, values, today=today))
    _lock_series(table, keys, region)
    _raise(_overlap_errors(table, keys=keys, region=region, values=values))
    row = table.model.objects.create(region=region, **keys, **values)
    audit_record(
        actor=actor,
        action=f"{table.audit_prefix}.create",
        obj=row,
        data=_snapshot(table, row),
        region_path=region.path,
    )
    _after_change(table)
    return row


def policy_version_revise(
    *, actor, table: PolicyTable, row, today: dt.date | None = None, **fields
):
    """Change a regional version; returns the row that now holds the new values.

    - never in effect yet (effective_from after today): corrected in place;
    - in effect: superseded — the old row ends the day before the new version's effective
      date (which must be after the old one's start and not after its planned end), and a new
      row is created; the old row keeps its values;
    - already ended: refused.
    Raises ValidationError by field, PermissionDenied (audited) outside the editor's regions
    or for national rows."""
    if not can_edit_policy_row(actor, table, row):
        deny(actor, action=f"{table.audit_prefix}.edit", obj=row)
    return _revise_tx(
        actor=actor, table=table, row=row, today=today or timezone.localdate(), fields=fields
    )


@transaction.atomic
def _revise_tx(*, actor, table, row, today, fields):
    _lock_series(table, _keys(table, row), row.region)
    row = (
        table.model.objects.select_for_update(of=("self",)).select_related("region").get(pk=row.pk)
    )
    keys = _keys(table, row)
    values = _version_values(table, fields)
    if row.effective_to is not None and row.effective_to < today:
        _raise(
            {
                None: [
                    _("该版本已于 %(date)s 失效，不能修改；如需恢复请新建。")
                    % {"date": date_format(row.effective_to, "DATE_FORMAT")}
                ]
            }
        )
    errors = policy_version_errors(table, values, today=today)
    scheduled = row.effective_from > today
    if not scheduled:
        if values["effective_from"] <= row.effective_from:
            errors.setdefault("effective_from", []).append(
                _("新版本的生效日期必须晚于原版本的生效日期（%(date)s）。")
                % {"date": date_format(row.effective_from, "DATE_FORMAT")}
            )
        elif row.effective_to is not None and values["effective_from"] > row.effective_to:
            errors.setdefault("effective_from", []).append(
                _("新版本须在原版本失效（%(date)s）前生效；之后的版本请新建。")
                % {"date": date_format(row.effective_to, "DATE_FORMAT")}
            )
    _raise(errors)
    _raise(
        _overlap_errors(table, keys=keys, region=row.region, values=values, exclude_ids=(row.pk,))
    )
    before = _snapshot(table, row)
    if scheduled:
        for field, value in values.items():
            setattr(row, field, value)
        row.save()
        audit_record(
            actor=actor,
            action=f"{table.audit_prefix}.update",
            obj=row,
            data={"before": before, "after": _snapshot(table, row)},
            region_path=row.region.path,
        )
        _after_change(table)
        return row
    # Only the end date of a version that has been in effect changes (conditional update, so a
    # concurrent edit of the same row cannot slip in between).
    old_end = values["effective_from"] - dt.timedelta(days=1)
    table.model.objects.filter(pk=row.pk, effective_to=row.effective_to).update(
        effective_to=old_end
    )
    new = table.model.objects.create(region=row.region, **keys, **values)
    audit_record(
        actor=actor,
        action=f"{table.audit_prefix}.supersede",
        obj=new,
        data={
            "supersedes": row.pk,
            "old_effective_to": old_end,
            "before": before,
            "after": _snapshot(table, new),
        },
        region_path=row.region.path,
    )
    _after_change(table)
    return new


def policy_version_end(
    *, actor, table: PolicyTable, row, effective_to: dt.date, today: dt.date | None = None
):
    """End a regional version on `effective_to` (today or later), after which the next less
    specific row (an ancestor region's or the national one) applies again. Only the end date
    changes. Raises ValidationError, PermissionDenied (audited)."""
    if not can_edit_policy_row(actor, table, row):
        deny(actor, action=f"{table.audit_prefix}.end", obj=row)
    return _end_tx(
        actor=actor,
        table=table,
        row=row,
        effective_to=effective_to,
        today=today or timezone.localdate(),
    )


@transaction.atomic
def _end_tx(*, actor, table, row, effective_to, today):
    row = (
        table.model.objects.select_for_update(of=("self",)).select_related("region").get(pk=row.pk)
    )
    if row.effective_to is not None and row.effective_to < today:
        _raise(
            {
                None: [
                    _("该版本已于 %(date)s 失效。")
                    % {"date": date_format(row.effective_to, "DATE_FORMAT")}
                ]
            }
        )
    if effective_to < today:
        _raise({"effective_to": [_("失效日期不能早于今天：已经适用过的规则不能追溯修改。")]})
    if effective_to < row.effective_from:
        _raise({"effective_to": [_("失效日期不能早于生效日期。")]})
    before = row.effective_to
    table.model.objects.filter(pk=row.pk).update(effective_to=effective_to)
    row.refresh_from_db()
    audit_record(
        actor=actor,
        action=f"{table.audit_prefix}.end",
        obj=row,
        data={"effective_to": effective_to, "previous_effective_to": before},
        region_path=row.region.path,
    )
    _after_change(table)
    return row
