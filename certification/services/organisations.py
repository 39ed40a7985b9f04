"""Organisations and training-base accreditations (D-4), kept by system and region
administrators (issue 15). Every write checks access.administration and is audited."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from certification.access import deny
from certification.access.administration import administers_path
from certification.audit import audit_record
from certification.idnumbers import IdNumberError, validate_credit_code
from certification.models import Accreditation, Organisation

EDITABLE_FIELDS = (
    "kind",
    "name",
    "credit_code",
    "region",
    "nature",
    "filing_status",
    "filing_number",
    "is_inclusive",
    "address",
    "contact_email",
)
# Which operating-status moves an administrator may make (withdrawn is final).
STATUS_MOVES = {
    Organisation.Status.ACTIVE: {Organisation.Status.SUSPENDED, Organisation.Status.WITHDRAWN},
    Organisation.Status.SUSPENDED: {Organisation.Status.ACTIVE, Organisation.Status.WITHDRAWN},
    Organisation.Status.WITHDRAWN: set(),
}


def _check_fields(actor, fields: dict) -> dict:
    region = fields.get("region")
    if region is None or not administers_path(actor, region.path):
        deny(actor, action="organisation.write", obj=region)
    try:
        fields["credit_code"] = validate_credit_code(fields.get("credit_code", ""))
    except IdNumberError as exc:
        raise ValidationError({"credit_code": exc.message}) from None
    if not (fields.get("name") or "").strip():
        raise ValidationError({"name": _("请填写机构名称。")})
    if fields.get("filing_status") == Organisation.FilingStatus.FILED and not fields.get(
        "filing_number"
    ):
        raise ValidationError({"filing_number": _("已备案的机构须填写备案号。")})
    return fields


def _save(org: Organisation) -> None:
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise ValidationError(
            {"credit_code": _("该统一社会信用代码已有机构登记，请检查后再填写。")}
        ) from None


@transaction.atomic
def organisation_create(*, actor, ip=None, **fields) -> Organisation:
    fields = _check_fields(actor, {k: fields.get(k) for k in EDITABLE_FIELDS if k in fields})
    org = Organisation(**fields)
    _save(org)
    audit_record(
        actor=actor,
        action="organisation.create",
        obj=org,
        ip=ip,
        region_path=org.region.path,
        data={"kind": org.kind, "credit_code": org.credit_code},
    )
    return org


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, ip=None, **fields) -> Organisation:
    """Edit the identity fields; moving an organisation needs the right over both regions."""
    if not administers_path(actor, organisation.region.path):
        deny(actor, action="organisation.write", obj=organisation)
    fields = _check_fields(actor, {k: fields.get(k) for k in EDITABLE_FIELDS if k in fields})
    changed = {}
    for name, value in fields.items():
        if getattr(organisation, name) != value:
            changed[name] = str(value)
            setattr(organisation, name, value)
    if changed:
        _save(organisation)
        audit_record(
            actor=actor,
            action="organisation.update",
            obj=organisation,
            ip=ip,
            region_path=organisation.region.path,
            data={"changed": sorted(changed)},
        )
    return organisation


@transaction.atomic
def organisation_set_status(
    *, actor, organisation: Organisation, status: str, reason: str, ip=None
):
    """Suspend, reinstate or withdraw (a suspended base cannot issue; see rules.certificates)."""
    if not administers_path(actor, organisation.region.path):
        deny(actor, action="organisation.status", obj=organisation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if status not in STATUS_MOVES.get(org.status, set()):
        raise ValidationError(_("该机构当前状态不能执行此操作。"))
    previous, org.status = org.status, status
    org.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="organisation.status",
        obj=org,
        ip=ip,
        region_path=org.region.path,
        data={"from": previous, "to": status, "reason": reason[:200]},
    )
    return org


@transaction.atomic
def accreditation_create(
    *,
    actor,
    training_base: Organisation,
    courses,
    valid_from: dt.date,
    valid_to: dt.date,
    document_number: str = "",
    ip=None,
) -> Accreditation:
    """D-4/D-17: the courses a base may certify between two dates."""
    if not administers_path(actor, training_base.region.path):
        deny(actor, action="accreditation.create", obj=training_base)
    if training_base.kind != Organisation.Kind.TRAINING_BASE:
        raise ValidationError(_("只有培训基地可以取得培训资质。"))
    if not courses:
        raise ValidationError({"courses": _("请至少选择一门课程。")})
    if valid_to < valid_from:
        raise ValidationError({"valid_to": _("有效期止不能早于有效期起。")})
    accreditation = Accreditation.objects.create(
        training_base=training_base,
        valid_from=valid_from,
        valid_to=valid_to,
        document_number=(document_number or "").strip(),
    )
    accreditation.courses.set(courses)
    audit_record(
        actor=actor,
        action="accreditation.create",
        obj=accreditation,
        ip=ip,
        region_path=training_base.region.path,
        data={
            "courses": sorted(c.pk for c in courses),
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat(),
        },
    )
    return accreditation
