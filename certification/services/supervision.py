"""D-39: a regulator's decision on a training base's accreditation — suspend, reinstate or
withdraw — recorded with its decision number, reason and date, audited in the same transaction.
A suspended or withdrawn accreditation certifies nothing (selectors.certificates)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from certification.access import deny
from certification.access.supervision import supervises
from certification.audit import audit_record
from certification.models import Accreditation, AccreditationDecision, AccreditationStatus
from certification.services.credit import credit_record_for_accreditation_sanction

A = AccreditationDecision.Action
# The accreditation's state machine: action → new status, per current status (withdrawn is final).
TRANSITIONS: dict[str, dict[str, str]] = {
    AccreditationStatus.ACTIVE: {
        A.SUSPEND: AccreditationStatus.SUSPENDED,
        A.WITHDRAW: AccreditationStatus.WITHDRAWN,
    },
    AccreditationStatus.SUSPENDED: {
        A.REINSTATE: AccreditationStatus.ACTIVE,
        A.WITHDRAW: AccreditationStatus.WITHDRAWN,
    },
    AccreditationStatus.WITHDRAWN: {},
}

# Decisions that are findings against the base in its credit record (D-38).
SANCTIONS = (AccreditationStatus.SUSPENDED, AccreditationStatus.WITHDRAWN)


def accreditation_decide(
    *,
    actor,
    accreditation: Accreditation,
    action: str,
    decision_number: str,
    reason: str,
    decided_on: dt.date,
    ip=None,
) -> AccreditationDecision:
    """Apply one decision to the accreditation under a row lock; regulators of the base's
    region or above only (anyone else is refused, audited — before the write transaction, so
    the refusal row stays)."""
    if not supervises(actor, accreditation.training_base):
        deny(actor, action="accreditation.decide", obj=accreditation)
    decision_number = (decision_number or "").strip()
    reason = (reason or "").strip()
    errors = {}
    if not decision_number:
        errors["decision_number"] = _("请填写决定文号。")
    if not reason:
        errors["reason"] = _("请填写理由。")
    if decided_on is None:
        errors["decided_on"] = _("请填写决定日期。")
    if errors:
        raise ValidationError(errors)
    return _decide_tx(
        actor=actor,
        accreditation=accreditation,
        action=action,
        decision_number=decision_number,
        reason=reason,
        decided_on=decided_on,
        ip=ip,
    )


@transaction.atomic
def _decide_tx(*, actor, accreditation, action, decision_number, reason, decided_on, ip):
    base = accreditation.training_base
    locked = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
    to_status = TRANSITIONS.get(locked.status, {}).get(action)
    if to_status is None:
        raise ValidationError(
            _("该培训资质当前为“%(status)s”，不能执行此决定。")
            % {"status": locked.get_status_display()}
        )
    decision = AccreditationDecision.objects.create(
        accreditation=locked,
        action=action,
        from_status=locked.status,
        to_status=to_status,
        decision_number=decision_number,
        reason=reason[:500],
        decided_on=decided_on,
        decided_by=actor,
    )
    locked.status = to_status
    locked.save(update_fields=["status"])
    accreditation.status = to_status
    audit_record(
        actor=actor,
        action=f"accreditation.{action}",
        obj=locked,
        ip=ip,
        region_path=base.region.path,
        data={
            "from": decision.from_status,
            "to": to_status,
            "decision_number": decision_number,
            "decided_on": decided_on.isoformat(),
            "reason": reason[:200],
        },
    )
    if to_status in SANCTIONS:
        credit_record_for_accreditation_sanction(actor=actor, decision=decision, ip=ip)
    return decision
