"""The credit file (诚信档案, D-38): findings and commendations, append-only.

Records are written by regulators and HR staff (manual entry) and, in the same transaction as
the decision itself, by the ban register (ban_create), a certificate revoked for fraud
(certificate_revoke with a FraudFinding), a subsidy revoked as obtained by deception
(subsidies.application_revoke_for_fraud) and ban annulments. A correction never edits a
record: it is a new record that annuls the earlier one.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from certification import pii
from certification.audit import audit_record
from certification.idnumbers import IdNumberError, mask_id_number, parse_id_number
from certification.models import CreditRecord, Organisation, Person
from certification.rules.certificates import mask_name

K = CreditRecord.Kind
# Which kinds of finding a certificate revocation may carry, and who they are recorded against:
# 证书造假 names the holder; 虚假培训 names the holder and the issuing base.
FRAUD_REVOCATION_KINDS = (K.CERTIFICATE_FRAUD, K.FALSE_TRAINING)


@dataclass(frozen=True)
class FraudFinding:
    """The decision behind a revocation for fraud (certificate_revoke(fraud=…))."""

    kind: str
    decision_number: str
    authority: str
    decision_date: dt.date
    summary: str = ""


def _validate(*, kind, decision_number, authority, decision_date) -> None:
    errors = {}
    if kind not in K.values:
        errors["kind"] = _("未知的记录类别。")
    if not (decision_number or "").strip():
        errors["decision_number"] = _("缺少决定文号。")
    if not (authority or "").strip():
        errors["authority"] = _("缺少决定机关。")
    if decision_date is None:
        errors["decision_date"] = _("缺少决定日期。")
    if errors:
        raise ValidationError(errors)


def _person_subject(person: Person) -> dict:
    return {
        "subject_kind": CreditRecord.SubjectKind.PERSON,
        "person": person,
        "person_index": person.id_index,
        "person_name": person.name,
        "person_id_masked": person.id_masked,
    }


def _organisation_subject(organisation: Organisation) -> dict:
    return {"subject_kind": CreditRecord.SubjectKind.ORGANISATION, "organisation": organisation}


def _save(*, actor, ip=None, **fields) -> CreditRecord:
    _validate(
        kind=fields.get("kind"),
        decision_number=fields.get("decision_number"),
        authority=fields.get("authority"),
        decision_date=fields.get("decision_date"),
    )
    fields["decision_number"] = fields["decision_number"].strip()
    fields["authority"] = fields["authority"].strip()
    record = CreditRecord.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None, **fields
    )
    audit_record(
        actor=actor,
        action="credit.annul" if record.annuls_id else "credit.create",
        obj=record,
        ip=ip,
        region_path=record.region.path,
        data={
            "kind": record.kind,
            "subject_kind": record.subject_kind,
            "decision_number": record.decision_number,
            "annuls": record.annuls_id,
        },
    )
    return record


@transaction.atomic
def credit_record_create(
    *,
    actor,
    region,
    kind: str,
    decision_number: str,
    authority: str,
    decision_date: dt.date,
    summary: str = "",
    organisation: Organisation | None = None,
    id_type: str = "",
    id_number: str = "",
    name: str = "",
    ip: str | None = None,
) -> CreditRecord:
    """Manual entry (regulators, HR; the caller checked the actor covers `region` and the
    organisation). The subject is the organisation, or else the person named by ID number and
    name, linked to the Person row when there is one. Raises ValidationError naming the field."""
    if organisation is not None:
        subject = _organisation_subject(organisation)
    else:
        try:
            parsed = parse_id_number(id_type, id_number)
        except IdNumberError as exc:
            raise ValidationError({"id_number": exc.message}, code=exc.code) from None
        if not (name or "").strip():
            raise ValidationError({"name": _("缺少姓名。")})
        index = pii.blind_index(parsed.number)
        subject = {
            "subject_kind": CreditRecord.SubjectKind.PERSON,
            "person": Person.objects.filter(id_type=parsed.id_type, id_index=index).first(),
            "person_index": index,
            "person_name": name.strip(),
            "person_id_masked": mask_id_number(parsed.number),
        }
    return _save(
        actor=actor,
        ip=ip,
        region=region,
        kind=kind,
        decision_number=decision_number,
        authority=authority,
        decision_date=decision_date,
        summary=summary,
        **subject,
    )


def credit_record_for_ban(*, actor, entry, ip: str | None = None) -> CreditRecord:
    """D-38 with D-22: a ban's finding against the person it names (by the ID's keyed hash),
    in the ban's transaction. Not against the employer: a ban is a finding about the person;
    a failing of the institution is its own decision, entered manually."""
    person = Person.objects.filter(id_type=entry.id_type, id_index=entry.id_index).first()
    return _save(
        actor=actor,
        ip=ip,
        region=entry.region,
        kind=K.BAN,
        decision_number=entry.decision_number,
        authority=entry.authority or entry.region.name,
        decision_date=entry.effective_date,
        summary=str(entry.get_reason_category_display()),
        ban=entry,
        subject_kind=CreditRecord.SubjectKind.PERSON,
        person=person,
        person_index=entry.id_index,
        person_name=entry.name,
        person_id_masked=entry.id_masked,
    )


def credit_records_for_fraud_revocation(
    *, actor, certificate, finding: FraudFinding
) -> list[CreditRecord]:
    """D-38 with D-21: the findings of a certificate revoked for fraud, in the revocation's
    transaction (certificate_revoke): the holder always; for 虚假培训 also the issuing base."""
    if finding.kind not in FRAUD_REVOCATION_KINDS:
        raise ValidationError({"reason_kind": _("未知的撤销事由类别。")})
    person = certificate.person
    region = person.region or (certificate.issuer.region if certificate.issuer_id else None)
    if region is None:
        raise ValidationError(_("无法确定登记地区：持证人与发证机构均无地区。"))
    common = {
        "kind": finding.kind,
        "decision_number": finding.decision_number,
        "authority": finding.authority,
        "decision_date": finding.decision_date,
        "summary": finding.summary or _("证书 %(serial)s 已撤销") % {"serial": certificate.serial},
        "certificate": certificate,
    }
    records = [_save(actor=actor, region=region, **common, **_person_subject(person))]
    if finding.kind == K.FALSE_TRAINING and certificate.issuer_id:
        base = certificate.issuer
        records.append(
            _save(actor=actor, region=base.region, **common, **_organisation_subject(base))
        )
    return records


def credit_record_for_accreditation_sanction(
    *, actor, decision, ip: str | None = None
) -> CreditRecord:
    """D-38 with D-39: a suspended or withdrawn accreditation is a finding against the training
    base, in the decision's transaction (supervision.accreditation_decide). A reinstatement
    adds nothing: the finding stood when it was made."""
    base = decision.accreditation.training_base
    with translation.override(settings.LANGUAGE_CODE):  # stored text is the record's language
        authority = _("%(region)s卫生健康部门") % {"region": base.region.name}
        summary = _("培训资质%(action)s：%(reason)s") % {
            "action": decision.get_action_display(),
            "reason": decision.reason,
        }
    return _save(
        actor=actor,
        ip=ip,
        region=base.region,
        kind=K.OTHER_VIOLATION,
        decision_number=decision.decision_number,
        authority=authority,
        decision_date=decision.decided_on,
        summary=summary,
        **_organisation_subject(base),
    )


def credit_record_for_subsidy_fraud(
    *, actor, application, finding: FraudFinding, ip: str | None = None
) -> CreditRecord:
    """D-38 with D-29: a subsidy obtained by deception, recorded against the applicant in the
    transaction of its revocation (subsidies.application_revoke_for_fraud)."""
    return _save(
        actor=actor,
        ip=ip,
        region=application.region,
        kind=K.SUBSIDY_FRAUD,
        decision_number=finding.decision_number,
        authority=finding.authority,
        decision_date=finding.decision_date,
        summary=finding.summary,
        subsidy_application=application,
        **_person_subject(application.person),
    )


@transaction.atomic
def credit_record_annul(
    *,
    actor,
    record: CreditRecord,
    decision_number: str,
    authority: str,
    decision_date: dt.date,
    summary: str,
    ip: str | None = None,
) -> CreditRecord:
    """A correction: a new record, same subject and kind, that annuls `record` (the caller
    checked access). Raises ValidationError if it is a correction itself or already annulled."""
    record = CreditRecord.objects.select_for_update().get(pk=record.pk)
    if record.annuls_id:
        raise ValidationError(_("更正记录不能再被撤销。"))
    if CreditRecord.objects.filter(annuls=record).exists():
        raise ValidationError(_("该记录已被撤销更正。"))
    if not (summary or "").strip():
        raise ValidationError({"summary": _("请写明撤销更正的原因。")})
    subject = {
        f: getattr(record, f)
        for f in (
            "subject_kind",
            "organisation",
            "person",
            "person_index",
            "person_name",
            "person_id_masked",
        )
    }
    return _save(
        actor=actor,
        ip=ip,
        region=record.region,
        kind=record.kind,
        decision_number=decision_number,
        authority=authority,
        decision_date=decision_date,
        summary=summary.strip(),
        annuls=record,
        ban=record.ban,
        certificate=record.certificate,
        subsidy_application=record.subsidy_application,
        **subject,
    )


def credit_records_annul_for_ban(*, actor, entry, ip: str | None = None) -> list[CreditRecord]:
    """An annulled ban (ban_annul) annuls its credit record by the same legal decision."""
    done = []
    for record in CreditRecord.objects.filter(
        ban=entry, annuls__isnull=True, annulled_by__isnull=True
    ):
        done.append(
            credit_record_annul(
                actor=actor,
                record=record,
                decision_number=entry.annulment_decision_number,
                authority=record.authority,
                decision_date=(entry.annulled_at.date() if entry.annulled_at else None),
                summary=entry.annulment_reason,
                ip=ip,
            )
        )
    return done


EXPORT_HEADERS = [
    "记录编号",
    "对象类型",
    "统一社会信用代码",
    "机构名称",
    "姓名（脱敏）",
    "证件号码（脱敏）",
    "类别",
    "决定文号",
    "决定机关",
    "决定日期",
    "事由摘要",
    "撤销更正的记录编号",
    "登记地区代码",
]


def credit_export(*, actor, records, region=None, ip: str | None = None) -> list:
    """The .xlsx for the provincial credit platform: organisations by 统一社会信用代码, people
    by masked name and masked ID number only (no keyed hash: it means nothing outside CareCert).
    Audited (who took the file, how many rows). Returns the sheets for spreadsheets.xlsx_response
    (a page) or xlsx_bytes (the management command)."""
    rows = []
    for r in records.select_related("organisation", "region"):
        is_org = r.subject_kind == CreditRecord.SubjectKind.ORGANISATION
        rows.append(
            [
                r.pk,
                str(r.get_subject_kind_display()),
                r.organisation.credit_code if is_org else "",
                r.organisation.name if is_org else "",
                "" if is_org else mask_name(r.person_name),
                "" if is_org else r.person_id_masked,
                str(r.get_kind_display()),
                r.decision_number,
                r.authority,
                r.decision_date.isoformat(),
                r.summary if is_org else "",
                r.annuls_id or "",
                r.region.code,
            ]
        )
    audit_record(
        actor=actor,
        action="credit.export",
        ip=ip,
        region_path=region.path if region else "",
        data={"rows": len(rows)},
    )
    return [(_("诚信档案"), EXPORT_HEADERS, rows)]
