"""The employment's state machine (D-5, D-25): active → ended, active → flagged (a ban in force
names the person) → ended. The only code that sets an employment's flag or end date; each move is
audited, and a move the state does not allow changes nothing."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit import audit_record
from certification.models import Employment


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
        data={"end_date": end_date.isoformat(), "at": timezone.now().isoformat()},
        region_path=locked.institution.region.path,
    )
    employment.end_date = end_date
    return locked
