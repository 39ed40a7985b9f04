"""The employment's state machine (D-5, D-25): active → ended, active → flagged (a ban in force
names the person) → ended. The only code that sets an employment's flag, end date or terms; each
move is audited, and a move the state does not allow changes nothing.

A person's region follows their current employment (issue 15): the workplace of the newest active
employment decides their daily cap, the counts they are in and the subsidies they may claim."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit import audit_record
from certification.models import Employment, EventType, Person
from certification.services.outbox import outbox_emit


@transaction.atomic
def employment_flag_banned(*, actor, employment_id: int, reason: str, why: str, ip=None) -> bool:
    """Flag an active employment for termination; False when it was ended or flagged already
    (the ban cascade and the yearly re-check may both reach it)."""
    now = timezone.now()
    updated = Employment.objects.filter(
        pk=employment_id, end_date__isnull=True, flagged_for_termination_at__isnull=True
    ).update(flagged_for_termination_at=now, flag_reason=reason)
    if updated:
        employment = Employment.objects.select_related("institution__region").get(pk=employment_id)
        audit_record(
            actor=actor,
            action="employment.flag",
            obj=employment,
            ip=ip,
            region_path=employment.institution.region.path,
            data={"why": why},
        )
    return bool(updated)


@transaction.atomic
def employment_end(*, actor, employment: Employment, end_date: dt.date, ip=None) -> Employment:
    """End an employment (离职). The row lock makes a double submit or two officers ending it at
    once harmless: the second sees it ended and is told so."""
    locked = (
        Employment.objects.select_for_update()
        .select_related("institution__region")
        .get(pk=employment.pk)
    )
    if locked.end_date is not None:
        raise ValidationError(_("该任职记录已结束。"))
    if end_date < locked.start_date:
        raise ValidationError(_("离职日期不能早于入职日期。"))
    locked.end_date = end_date
    locked.save(update_fields=["end_date"])
    audit_record(
        actor=actor,
        action="employment.end",
        obj=locked,
        ip=ip,
        data={
            "end_date": end_date.isoformat(),
            "at": timezone.now().isoformat(),
            "person_region": person_region_follow(person_id=locked.person_id),
        },
        region_path=locked.institution.region.path,
    )
    outbox_emit(EventType.EMPLOYMENT_ENDED, locked)  # D-40, same transaction
    employment.end_date = end_date
    return locked


def _locked_active(employment: Employment) -> Employment:
    locked = (
        Employment.objects.select_for_update()
        .select_related("institution__region", "person")
        .get(pk=employment.pk)
    )
    if locked.end_date is not None:
        raise ValidationError(_("该任职记录已结束。"))
    return locked


@transaction.atomic
def employment_update_terms(
    *,
    actor,
    employment: Employment,
    ui_contribution_months: int,
    has_labour_contract: bool,
    ip=None,
) -> Employment:
    """Correct an active employment's unemployment-insurance months and labour contract, the
    facts a subsidy's eligibility reads (D-27). Unchanged values write nothing."""
    if not 0 <= ui_contribution_months <= 600:
        raise ValidationError(_("失业保险缴费月数须在 0 至 600 之间。"))
    locked = _locked_active(employment)
    before = {
        "ui_contribution_months": locked.ui_contribution_months,
        "has_labour_contract": locked.has_labour_contract,
    }
    after = {
        "ui_contribution_months": ui_contribution_months,
        "has_labour_contract": has_labour_contract,
    }
    if before == after:
        return locked
    for field, value in after.items():
        setattr(locked, field, value)
    locked.save(update_fields=list(after))
    audit_record(
        actor=actor,
        action="employment.terms",
        obj=locked,
        ip=ip,
        data={"before": before, "after": after},
        region_path=locked.institution.region.path,
    )
    return locked


def person_region_follow(*, person_id: int) -> str | None:
    """Move the person to the region of their newest active employment; the new region's path,
    or None when nothing changed (no active employment keeps the last one, for history)."""
    current = (
        Employment.objects.filter(person_id=person_id, end_date__isnull=True)
        .order_by("-start_date", "-id")
        .select_related("institution__region")
        .first()
    )
    if current is None:
        return None
    region = current.institution.region
    changed = Person.objects.filter(pk=person_id).exclude(region=region).update(region=region)
    return region.path if changed else None
