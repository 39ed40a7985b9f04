"""Certificates (D-17…D-21): serial allocation, issue, statements, skill levels, revocation.

Every state change is audited in the same transaction; PDFs are rendered after commit by the
Celery task "certification.render_certificate_pdf" (ids only).
"""

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import queue
from certification.access import deny, staff_scope
from certification.access.certificates import (
    can_record_skill_certificates,
    can_revoke_certificate,
    certificate_region_path,
)
from certification.audit import audit_record
from certification.models import Certificate, CertificateBatch, CycleSummary, Person, SerialCounter
from certification.models.bans import CheckPurpose
from certification.models.outbox import EventType
from certification.models.staff import StaffRole
from certification.rules.certificates import (
    SERIAL_PREFIX,
    TrainingFacts,
    format_serial,
    suspension_refusals,
    training_refusals,
)
from certification.selectors import certificates as sel
from certification.services.bans import PersonBanned, ban_gate
from certification.services.credentials import status_list_revoke
from certification.services.credit import FraudFinding, credit_records_for_fraud_revocation
from certification.services.outbox import outbox_emit
from cms.text import join_messages

BAN_REVOCATION_REASON = "禁入处理"
STATEMENT_ISSUER = "CareCert 继续教育学时证明"


class CertificateRefused(Exception):
    """Raised with every reason (Chinese sentences) a certificate cannot be issued."""

    def __init__(self, reasons: list[str]):
        super().__init__(join_messages(reasons))
        self.reasons = reasons


def certificate_serial_allocate(*, prefix: str, year: int) -> str:
    """D-20: the next never-reused serial for prefix+year, under a row lock."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                SerialCounter.objects.get_or_create(prefix=prefix, year=year)
        except IntegrityError:
            pass  # another transaction created the row first; lock it below
        counter = SerialCounter.objects.select_for_update().get(prefix=prefix, year=year)
        counter.last_value += 1
        counter.save(update_fields=["last_value"])
        return format_serial(prefix, year, counter.last_value)


def _new_code() -> str:
    return secrets.token_urlsafe(32)


def _enqueue_pdf(certificate_id: int) -> None:
    queue.enqueue_after_commit(queue.RENDER_CERTIFICATE_PDF, certificate_id)


def certificate_pdfs_requeue_missing(*, older_than: dt.timedelta) -> int:
    """Queue the PDF of every certificate issued more than `older_than` ago that still has
    none: its task was lost (a process died between the commit and the send, or the task
    failed for good while the database was down). Returns how many were queued."""
    ids = sel.certificates_missing_pdf(issued_before=timezone.now() - older_than)
    for certificate_id in ids:
        _enqueue_pdf(certificate_id)
    return len(ids)


def training_eligibility(*, person, course, training_base, issue_date) -> list[str]:
    """D-17 refusal reasons (without the ban check, which is a gate of its own)."""
    theory, practice = sel.hours_earned_for_course(person=person, course=course)
    facts = TrainingFacts(
        theory_required=course.theory_hours or Decimal("0"),
        practice_required=course.practice_hours or Decimal("0"),
        theory_earned=theory,
        practice_earned=practice,
        needs_theory_test=course.has_theory_test,
        theory_passed=(
            course.has_theory_test
            and sel.assessment_passed(person=person, course=course, kind="theory")
        ),
        needs_practical=course.has_practical_assessment,
        practical_passed=(
            course.has_practical_assessment
            and sel.assessment_passed(person=person, course=course, kind="practical")
        ),
        accreditation_windows=sel.accreditation_windows(training_base=training_base, course=course),
        issue_date=issue_date,
        base_operating=training_base.status == training_base.Status.ACTIVE,
        accreditation_stops=sel.accreditation_stops(training_base=training_base, course=course),
    )
    return training_refusals(facts)


def issuing_stopped_reasons(*, training_base, course) -> list[str]:
    """D-39: why the base cannot issue this course at all (suspended base or accreditation);
    checked before a batch is queued so staff see it at once."""
    return suspension_refusals(
        base_operating=training_base.status == training_base.Status.ACTIVE,
        accreditation_windows=sel.accreditation_windows(training_base=training_base, course=course),
        accreditation_stops=sel.accreditation_stops(training_base=training_base, course=course),
    )


def _require_base_staff(actor, training_base) -> None:
    if training_base.pk not in staff_scope(actor).org_ids(StaffRole.BASE_STAFF):
        deny(actor, action="certificate.issue", obj=training_base)


def certificate_issue_training(
    *,
    actor,
    person,
    course,
    training_base,
    issue_date: dt.date | None = None,
) -> Certificate:
    """D-17: issue a training certificate. Base staff of `training_base` only.

    The ban gate runs BEFORE the write transaction so a hit's audit row survives.
    Raises CertificateRefused(reasons) when not eligible."""
    _require_base_staff(actor, training_base)
    issue_date = issue_date or timezone.localdate()
    try:
        ban_gate(
            id_index=person.id_index,
            purpose=CheckPurpose.CERTIFICATE,
            actor=actor,
            actor_role=StaffRole.BASE_STAFF,
            organisation=training_base,
        )
    except PersonBanned as exc:
        raise CertificateRefused(
            [str(exc) or "该人员不得从事托育服务，请联系卫生健康部门"]
        ) from exc
    reasons = training_eligibility(
        person=person, course=course, training_base=training_base, issue_date=issue_date
    )
    if reasons:
        raise CertificateRefused(reasons)
    try:
        return _issue_training_tx(
            actor=actor,
            person=person,
            course=course,
            training_base=training_base,
            issue_date=issue_date,
        )
    except IntegrityError as exc:
        if sel.has_valid_training_certificate(person_id=person.pk, course_id=course.pk):
            raise CertificateRefused(["该人员已持有本课程的有效培训合格证书。"]) from exc
        raise


@transaction.atomic
def _issue_training_tx(*, actor, person, course, training_base, issue_date) -> Certificate:
    serial = certificate_serial_allocate(prefix=SERIAL_PREFIX["training"], year=issue_date.year)
    theory, practice = sel.hours_earned_for_course(person=person, course=course)
    with transaction.atomic():  # savepoint: the constraint error must not poison the outer tx
        cert = Certificate.objects.create(
            kind=Certificate.Kind.TRAINING,
            serial=serial,
            verification_code=_new_code(),
            person=person,
            # The holder's region, not the base's: the regulator dashboard counts the
            # certificates of the people its region supervises (issue 18).
            region_id=person.region_id,
            course=course,
            issuer=training_base,
            issuer_name=training_base.name,
            hours=theory + practice,
            issue_date=issue_date,
            issued_by=actor if getattr(actor, "pk", None) else None,
        )
    audit_record(
        actor=actor,
        action="certificate.issue",
        obj=cert,
        data={"serial": serial, "kind": cert.kind, "course_id": course.pk},
        region_path=training_base.region.path,
    )
    outbox_emit(EventType.CERTIFICATE_ISSUED, cert)  # D-40, same transaction
    _enqueue_pdf(cert.pk)
    return cert


@transaction.atomic
def certificate_issue_cycle_statement(*, summary_id: int) -> Certificate:
    """D-18: one statement per met CycleSummary; idempotent (returns the existing one)."""
    summary = CycleSummary.objects.select_for_update().select_related("person").get(pk=summary_id)
    existing = Certificate.objects.filter(cycle_summary=summary).first()
    if existing is not None:
        return existing
    total = summary.theory_hours + summary.practice_hours
    today = timezone.localdate()
    cert = Certificate.objects.create(
        kind=Certificate.Kind.CYCLE_STATEMENT,
        serial=certificate_serial_allocate(
            prefix=SERIAL_PREFIX["cycle_statement"], year=today.year
        ),
        verification_code=_new_code(),
        person=summary.person,
        region_id=summary.person.region_id,
        issuer_name=STATEMENT_ISSUER,
        hours=total,
        cycle_summary=summary,
        issue_date=today,
    )
    audit_record(
        actor=None,
        action="certificate.issue",
        obj=cert,
        data={"serial": cert.serial, "kind": cert.kind, "summary_id": summary_id},
    )
    outbox_emit(EventType.CERTIFICATE_ISSUED, cert)
    _enqueue_pdf(cert.pk)
    return cert


# D-19: who records skill-level certificates (see services/skill_certificates.py).


@transaction.atomic
def certificate_record_skill_level(
    *,
    actor,
    person,
    occupation: str,
    level: int,
    external_number: str,
    issuer_name: str,
    issue_date: dt.date,
) -> Certificate:
    """D-19: record an externally issued skill-level certificate (own SL- serial). The import
    (services/skill_certificates.py) also checks the person's scope and the ban gate per row."""
    if not can_record_skill_certificates(actor):
        deny(actor, action="certificate.skill_level")
    cert = Certificate.objects.create(
        kind=Certificate.Kind.SKILL_LEVEL,
        serial=certificate_serial_allocate(
            prefix=SERIAL_PREFIX["skill_level"], year=issue_date.year
        ),
        verification_code=_new_code(),
        person=person,
        region_id=person.region_id,
        occupation=occupation,
        level=level,
        external_number=external_number,
        issuer_name=issuer_name,
        issue_date=issue_date,
        issued_by=actor,
    )
    audit_record(
        actor=actor,
        action="certificate.record_skill_level",
        obj=cert,
        data={"serial": cert.serial, "external_number": external_number},
    )
    outbox_emit(EventType.CERTIFICATE_ISSUED, cert)
    return cert


def certificate_revoke(
    *, actor, certificate, reason: str, fraud: FraudFinding | None = None
) -> Certificate:
    """D-21: revoke with a reason (issuing base staff or the holder's regulators); a status
    change and an audit row, never a delete. Revoking a revoked certificate changes nothing.

    With `fraud` (证书造假 / 虚假培训, D-38) the revocation and its credit records are one
    transaction: both are written or neither. A certificate already revoked is refused then
    (ValidationError), so a finding is never recorded against a revocation that did not happen."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("撤销证书必须填写原因。")
    if not can_revoke_certificate(actor, certificate):
        deny(actor, action="certificate.revoke", obj=certificate)
    if fraud is None:
        return _revoke(actor=actor, certificate=certificate, reason=reason, data={})
    with transaction.atomic():
        if (
            not Certificate.objects.select_for_update()
            .filter(pk=certificate.pk, status=Certificate.Status.VALID)
            .exists()
        ):
            raise ValidationError(_("该证书已撤销。"))
        _revoke(actor=actor, certificate=certificate, reason=reason, data={"fraud": fraud.kind})
        credit_records_for_fraud_revocation(actor=actor, certificate=certificate, finding=fraud)
    return certificate


def certificate_revoke_for_ban(*, actor, certificate, entry) -> Certificate:
    """D-25: the ban cascade revokes the banned person's certificates. Its authority is the ban
    entry (registered by a regulator through access.bans), not the revoker's scope over the
    certificate, which may have been issued in another province."""
    return _revoke(
        actor=actor, certificate=certificate, reason=BAN_REVOCATION_REASON, data={"ban": entry.pk}
    )


@transaction.atomic
def _revoke(*, actor, certificate, reason: str, data: dict) -> Certificate:
    """The certificate's one state change (valid → revoked), audited; safe inside an outer
    atomic and against a concurrent revocation (the UPDATE matches only a valid row)."""
    updated = Certificate.objects.filter(pk=certificate.pk, status=Certificate.Status.VALID).update(
        status=Certificate.Status.REVOKED,
        revoked_at=timezone.now(),
        revocation_reason=reason[:255],
        revoked_by=actor if getattr(actor, "pk", None) else None,
    )
    certificate.refresh_from_db()
    if updated == 1:
        status_list_revoke(certificate)  # the signed credential's status flips with it
        audit_record(
            actor=actor,
            action="certificate.revoke",
            obj=certificate,
            data={"serial": certificate.serial, "reason": reason[:255], **data},
            region_path=certificate_region_path(certificate),
        )
        outbox_emit(EventType.CERTIFICATE_REVOKED, certificate)  # D-40, same transaction
    return certificate


@transaction.atomic
def certificate_batch_create(
    *, actor, training_base, course, person_ids: list[int]
) -> CertificateBatch:
    _require_base_staff(actor, training_base)
    stopped = issuing_stopped_reasons(training_base=training_base, course=course)
    if stopped:
        raise CertificateRefused(stopped)
    ids = sorted({int(i) for i in person_ids})
    batch = CertificateBatch.objects.create(
        training_base=training_base,
        course=course,
        person_ids=ids,
        requested_by=actor,
        total=len(ids),
    )
    audit_record(
        actor=actor,
        action="certificate.batch",
        obj=batch,
        data={"course_id": course.pk, "count": len(ids)},
        region_path=training_base.region.path,
    )
    queue.enqueue_after_commit(queue.ISSUE_CERTIFICATE_BATCH, batch.pk)
    return batch


def certificate_batch_process(*, batch_id: int) -> CertificateBatch:
    """Issue to each person in its own transaction; skip those already certified so a retried
    task never issues twice. Counters are recomputed from the refusals kept so far."""

    batch = CertificateBatch.objects.select_related("training_base", "course", "requested_by").get(
        pk=batch_id
    )
    if batch.status == CertificateBatch.Status.DONE:
        return batch
    CertificateBatch.objects.filter(pk=batch.pk).update(status=CertificateBatch.Status.RUNNING)
    refused = {r["person_id"]: r for r in batch.refusals}
    course = batch.course.specific if hasattr(batch.course, "specific") else batch.course
    for n, person_id in enumerate(batch.person_ids, start=1):
        already = sel.has_valid_training_certificate(person_id=person_id, course_id=course.pk)
        issued_here = (
            Certificate.objects.filter(
                person_id=person_id, course=course, created_at__gte=batch.created_at
            )
            .values_list("pk", "pdf")
            .first()
        )
        if issued_here and not issued_here[1]:
            # A rerun after a worker died: the certificate committed, its PDF task may never
            # have reached the broker. Rendering is idempotent, so queueing it again is safe.
            _enqueue_pdf(issued_here[0])
        if person_id not in refused and already and not issued_here:
            person = Person.objects.get(pk=person_id)
            refused[person_id] = {
                "person_id": person_id,
                "name": person.name,
                "reasons": [_("已持有本课程有效的培训合格证书，未重复发证。")],
            }
        elif person_id not in refused and not already:
            person = Person.objects.select_related("region").get(pk=person_id)
            try:
                certificate_issue_training(
                    actor=batch.requested_by,
                    person=person,
                    course=course,
                    training_base=batch.training_base,
                )
            except CertificateRefused as exc:
                refused[person_id] = {
                    "person_id": person_id,
                    "name": person.name,
                    "reasons": exc.reasons,
                }
        # Only what this batch created: a certificate someone already held is not "issued".
        issued = Certificate.objects.filter(
            person_id__in=batch.person_ids[:n],
            course=course,
            issuer=batch.training_base,
            kind=Certificate.Kind.TRAINING,
            created_at__gte=batch.created_at,
        ).count()
        CertificateBatch.objects.filter(pk=batch.pk).update(
            processed=n, issued=issued, refusals=list(refused.values())
        )
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=CertificateBatch.Status.DONE, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch
