"""Subsidy workflow services (D-26…D-30). One state machine: every status change goes through
`application_transition`, which checks the move, records history + audit and notifies the
applicant. Approval re-runs the ban gate BEFORE its write transaction (see ban_gate)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.access import deny, staff_scope
from certification.audit import audit_record
from certification.models import CheckPurpose, CreditRecord, Notification, Region, StaffRole
from certification.models.subsidies import (
    ApplicationStatus as S,
)
from certification.models.subsidies import (
    ApplicationStatusChange,
    Objection,
    PaymentBatch,
    PaymentLine,
    SubsidyApplication,
)
from certification.rules import subsidies as rules
from certification.selectors import subsidies as sel
from certification.services.bans import ban_gate
from certification.services.credit import FraudFinding, credit_record_for_subsidy_fraud
from certification.spreadsheets import xlsx_bytes
from cms.text import join_messages

TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.WITHDRAWN, S.NOTICE, S.REJECTED},
    S.NOTICE: {S.APPROVED, S.REJECTED},
    # APPROVED/IN_BATCH → REJECTED only for a ban found before payment (application_ban_cascade).
    S.APPROVED: {S.IN_BATCH, S.REJECTED},
    S.IN_BATCH: {S.PAID, S.REJECTED},
    S.WITHDRAWN: set(),
    S.REJECTED: set(),
    S.PAID: set(),
}


class TransitionNotAllowed(ValidationError):
    pass


def application_transition(
    *, actor, application: SubsidyApplication, to_status: str, note: str = ""
) -> SubsidyApplication:
    """Move `application` (already locked by the caller) to `to_status`; history, audit, notify."""
    from_status = application.status
    if to_status not in TRANSITIONS.get(from_status, set()):
        raise TransitionNotAllowed(
            _("当前状态（%(s)s）不能执行此操作") % {"s": application.get_status_display()}
        )
    application.status = to_status
    application.save()
    ApplicationStatusChange.objects.create(
        application=application,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note,
    )
    audit_record(
        actor=actor,
        action=f"subsidy.{to_status}",
        obj=application,
        data={"from": from_status, "to": to_status, "note": note},
        region_path=application.region.path,
    )
    user = application.person.user
    if user is not None:
        Notification.objects.create(
            kind=Notification.Kind.SUBSIDY,
            recipient_user=user,
            title=_("补贴申请 #%(id)s：%(s)s")
            % {"id": application.pk, "s": application.get_status_display()},
            body=note,
            link=reverse("certification:my_subsidy_applications"),
        )
    return application


def _locked(application_id: int) -> SubsidyApplication:
    return (
        SubsidyApplication.objects.select_for_update()
        .select_related("person", "region")
        .get(pk=application_id)
    )


@transaction.atomic
def application_create(*, actor, person, certificate, subsidy_type: str) -> SubsidyApplication:
    if certificate.person_id != person.pk:
        raise ValidationError(_("证书不属于该人员"))
    today = timezone.localdate()
    emp = sel.current_employment(person, today)
    app = SubsidyApplication.objects.create(
        person=person,
        certificate=certificate,
        subsidy_type=subsidy_type,
        region=emp.institution.region if emp else person.region,
        institution=emp.institution if emp else None,
        created_by=actor,
    )
    ApplicationStatusChange.objects.create(application=app, to_status=S.DRAFT, actor=actor)
    audit_record(actor=actor, action="subsidy.create", obj=app, region_path=app.region.path)
    return app


@transaction.atomic
def application_submit(
    *, actor, application: SubsidyApplication, pledge_confirmed: bool
) -> SubsidyApplication:
    """D-29: pledge required; D-27 checks snapshotted; D-28 amount computed. Refuses naming the
    failed checks."""
    if not pledge_confirmed:
        raise ValidationError(_("请确认诚信承诺"))
    app = _locked(application.pk)
    today = timezone.localdate()
    facts = sel.eligibility_facts(
        person=app.person,
        certificate=app.certificate,
        subsidy_type=app.subsidy_type,
        on=today,
        exclude_application_id=app.pk,
    )
    results = rules.evaluate(facts)
    failed = [r for r in results if not r.passed]
    if failed:
        raise ValidationError(_("不符合申请条件：%s") % join_messages(r.reason for r in failed))
    amount = sel.amount_for(
        region=app.region,
        subsidy_type=app.subsidy_type,
        occupation=app.certificate.occupation,
        level=app.certificate.level,
        on=today,
    )
    if amount is None:
        raise ValidationError(_("该地区未设置此项补贴标准"))
    now = timezone.now()
    app.amount, app.eligibility = amount, [r.as_dict() for r in results]
    app.pledge_confirmed_at = app.submitted_at = now
    try:
        with transaction.atomic():
            application_transition(actor=actor, application=app, to_status=S.SUBMITTED)
    except IntegrityError as exc:
        raise ValidationError(_("该证书已有同类型的有效申请")) from exc
    return app


@transaction.atomic
def application_apply(
    *, actor, person, certificate, subsidy_type: str, pledge_confirmed: bool
) -> SubsidyApplication:
    """D-29 in one step for the worker's page: create + submit atomically, so a refused
    submission (failed check, pledge missing, a second live application) leaves no draft."""
    app = application_create(
        actor=actor, person=person, certificate=certificate, subsidy_type=subsidy_type
    )
    return application_submit(actor=actor, application=app, pledge_confirmed=pledge_confirmed)


@transaction.atomic
def application_withdraw(*, actor, application: SubsidyApplication) -> SubsidyApplication:
    app = _locked(application.pk)
    if app.status not in (S.DRAFT, S.SUBMITTED):
        raise TransitionNotAllowed(_("审核开始后不能撤回"))
    return application_transition(actor=actor, application=app, to_status=S.WITHDRAWN)


def _require_region_role(actor, app, role) -> None:
    if not staff_scope(actor).covers_path(app.region.path, role):
        deny(actor, action="subsidy.review", obj=app, message=_("无权处理该地区的申请"))


@transaction.atomic
def application_review(
    *, actor, application: SubsidyApplication, approve: bool, reason: str = ""
) -> SubsidyApplication:
    """Approve → public notice for N working days (Mon–Fri, no holiday calendar); reject needs a
    reason."""
    app = _locked(application.pk)
    _require_region_role(actor, app, StaffRole.HR_REVIEWER)
    if app.status != S.SUBMITTED:
        raise TransitionNotAllowed(_("该申请已处理"))
    if not approve and not reason.strip():
        raise ValidationError(_("不通过须填写理由"))
    today = timezone.localdate()
    app.reviewer, app.reviewed_at, app.decision_reason = actor, timezone.now(), reason
    if approve:
        app.notice_start = today
        app.notice_end = sel.notice_end_for(region=app.region, start=today)
        return application_transition(actor=actor, application=app, to_status=S.NOTICE, note=reason)
    return application_transition(actor=actor, application=app, to_status=S.REJECTED, note=reason)


class ObjectionRefused(ValidationError):
    pass


def objection_file(
    *, actor, application: SubsidyApplication, text: str, contact: str = ""
) -> Objection:
    """D-29 public notice: a logged-in user files an objection (no anonymous filing), at most
    SUBSIDY_OBJECTION_MAX_CHARS characters and SUBSIDY_OBJECTIONS_PER_DAY per user per day.
    Every refusal is audited; the refusal's audit row is written outside the write transaction
    so it survives the refusal."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ObjectionRefused(_("请先登录后再提交异议"))
    try:
        return _objection_create(actor=actor, application=application, text=text, contact=contact)
    except ObjectionRefused as exc:
        audit_record(
            actor=actor,
            action="subsidy.objection_refused",
            obj=application,
            data={"why": exc.code or ""},
            region_path=application.region.path,
        )
        raise


@transaction.atomic
def _objection_create(*, actor, application, text: str, contact: str) -> Objection:

    app = _locked(application.pk)
    today = timezone.localdate()
    text, contact = (text or "").strip(), (contact or "").strip()
    if app.status != S.NOTICE or not (app.notice_start <= today <= app.notice_end):
        raise ObjectionRefused(_("该申请不在公示期内"), code="not_in_notice")
    if not text:
        raise ObjectionRefused(_("请填写异议内容"), code="empty")
    limit = settings.SUBSIDY_OBJECTION_MAX_CHARS
    if len(text) > limit or len(contact) > 128:
        raise ObjectionRefused(_("异议内容不能超过%(n)s个字") % {"n": limit}, code="too_long")
    per_day = settings.SUBSIDY_OBJECTIONS_PER_DAY
    # The filer's row serialises their own concurrent submits, so the count is exact.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    recent = Objection.objects.filter(
        filed_by=actor, filed_at__gte=timezone.now() - dt.timedelta(days=1)
    ).count()
    if recent >= per_day:
        raise ObjectionRefused(
            _("提交异议过于频繁：每人每天最多%(n)s条") % {"n": per_day}, code="rate_limited"
        )
    obj = Objection.objects.create(application=app, text=text, contact=contact, filed_by=actor)
    audit_record(
        actor=actor,
        action="subsidy.objection_filed",
        obj=app,
        data={"objection": obj.pk},
        region_path=app.region.path,
    )
    return obj


@transaction.atomic
def objection_resolve(*, actor, objection: Objection, upheld: bool, resolution: str) -> Objection:
    obj = (
        Objection.objects.select_for_update()
        .select_related("application__region")
        .get(pk=objection.pk)
    )
    _require_region_role(actor, obj.application, StaffRole.HR_REVIEWER)
    if obj.resolved_at:
        raise ValidationError(_("该异议已处理"))
    if not (resolution or "").strip():
        raise ValidationError(_("请填写处理结果"))
    resolution = resolution.strip()
    obj.resolved_at, obj.resolved_by = timezone.now(), actor
    obj.upheld, obj.resolution = upheld, resolution
    obj.save()
    audit_record(
        actor=actor,
        action="subsidy.objection_resolved",
        obj=obj.application,
        data={"objection": obj.pk, "upheld": upheld},
        region_path=obj.application.region.path,
    )
    if upheld:
        app = _locked(obj.application_id)
        if app.status != S.NOTICE:  # e.g. already rejected by a ban: the finding is recorded
            return obj
        app.decision_reason = _("异议成立：%s") % resolution
        application_transition(
            actor=actor, application=app, to_status=S.REJECTED, note=_("异议成立：%s") % resolution
        )
    return obj


def application_approve(
    *, actor, application: SubsidyApplication, today: dt.date | None = None
) -> SubsidyApplication:
    """After the notice ends with no open objection. The ban gate runs first, outside the write
    transaction, so a hit's audit row survives; the write re-checks status under a row lock."""
    person = application.person
    ban_gate(
        id_index=person.id_index,
        purpose=CheckPurpose.SUBSIDY,
        actor=actor,
        actor_role=StaffRole.HR_REVIEWER,
        organisation=application.institution,
    )
    return _approve(actor=actor, application_id=application.pk, today=today or timezone.localdate())


@transaction.atomic
def _approve(*, actor, application_id: int, today: dt.date) -> SubsidyApplication:
    app = _locked(application_id)
    _require_region_role(actor, app, StaffRole.HR_REVIEWER)
    if app.status != S.NOTICE:
        raise TransitionNotAllowed(_("该申请不在待批准状态"))
    if today <= app.notice_end:
        raise ValidationError(_("公示期未结束"))
    if app.objections.filter(resolved_at__isnull=True).exists():
        raise ValidationError(_("存在未处理的异议，不能批准"))
    app.approved_at = timezone.now()
    return application_transition(actor=actor, application=app, to_status=S.APPROVED)


@transaction.atomic
def batch_create(*, actor, region, month: dt.date) -> PaymentBatch:
    if not staff_scope(actor).covers_path(region.path, StaffRole.HR_PAYMENT):
        deny(
            actor, action="subsidy.batch_create", obj=region, message=_("无权为该地区编制支付批次")
        )
    batch = PaymentBatch.objects.create(region=region, month=month.replace(day=1), created_by=actor)
    audit_record(actor=actor, action="subsidy.batch_create", obj=batch, region_path=region.path)
    return batch


@transaction.atomic
def batch_build(
    *, actor, region, month: dt.date, application_ids: list[int] | None = None
) -> tuple[PaymentBatch, list[int]]:
    """The payment officer's month batch: the officer's OPEN batch for region+month (created on
    first use) receives the selected approved applications, or all approved ones in the region
    when `application_ids` is None. Double-submit safe: a second identical submit finds the same
    batch and the applications already in it, adding nothing. Returns (batch, added ids);
    refuses when nothing could be added."""

    if not staff_scope(actor).covers_path(region.path, StaffRole.HR_PAYMENT):
        deny(
            actor, action="subsidy.batch_create", obj=region, message=_("无权为该地区编制支付批次")
        )
    Region.objects.select_for_update().filter(pk=region.pk).first()  # one builder at a time
    month = month.replace(day=1)
    batch = (
        PaymentBatch.objects.select_for_update()
        .filter(region=region, month=month, created_by=actor, status=PaymentBatch.Status.OPEN)
        .first()
    )
    created = batch is None
    if created:
        batch = batch_create(actor=actor, region=region, month=month)
    candidates = sel.batchable_applications(region=region, actor=actor)
    if application_ids is not None:
        candidates = candidates.filter(pk__in=application_ids)
    added = []
    for app_id in candidates.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                batch_add(actor=actor, batch=batch, application=SubsidyApplication(pk=app_id))
            added.append(app_id)
        except (TransitionNotAllowed, PermissionDenied):
            continue  # taken by another batch meanwhile, or reviewed by this officer
    if not added:
        raise ValidationError(_("没有可编入批次的已批准申请（可能已在批次中）"))
    return batch, added


@transaction.atomic
def batch_add(*, actor, batch: PaymentBatch, application: SubsidyApplication) -> PaymentLine:
    """D-30: lock the application, re-check it is approved; the OneToOne line is the backstop."""
    batch = PaymentBatch.objects.select_for_update().select_related("region").get(pk=batch.pk)
    if batch.created_by_id != actor.pk or batch.status != PaymentBatch.Status.OPEN:
        deny(actor, action="subsidy.batch_add", obj=batch, message=_("只能向自己编制中的批次添加"))
    app = _locked(application.pk)
    if app.reviewer_id == actor.pk:
        deny(
            actor,
            action="subsidy.batch_add_own_review",
            obj=app,
            message=_("审核人不能将自己审核的申请编入支付批次"),
        )
    if not app.region.path.startswith(batch.region.path):
        deny(actor, action="subsidy.batch_add_region", obj=app, message=_("申请不属于该批次地区"))
    if app.status != S.APPROVED:
        raise TransitionNotAllowed(_("该申请不是待编批状态"))
    try:
        with transaction.atomic():
            line = PaymentLine.objects.create(batch=batch, application=app, amount=app.amount)
    except IntegrityError as exc:
        raise TransitionNotAllowed(_("该申请已在其他批次中")) from exc
    application_transition(
        actor=actor, application=app, to_status=S.IN_BATCH, note=_("支付批次 #%s") % batch.pk
    )
    return line


@transaction.atomic
def batch_mark_paid(*, actor, batch_id: int, bank_reference: str) -> PaymentBatch:
    """Idempotent: a batch already paid is returned unchanged (a retried task pays once)."""
    batch = PaymentBatch.objects.select_for_update().select_related("region").get(pk=batch_id)
    if batch.status == PaymentBatch.Status.PAID:
        return batch
    if batch.created_by_id != actor.pk:
        deny(actor, action="subsidy.batch_pay", obj=batch, message=_("只能处理自己编制的批次"))
    if not bank_reference.strip():
        raise ValidationError(_("请填写银行流水号"))
    batch.status, batch.paid_at = PaymentBatch.Status.PAID, timezone.now()
    batch.bank_reference = bank_reference.strip()
    batch.save()
    for line in batch.lines.filter(voided_at__isnull=True).select_related("application"):
        app = _locked(line.application_id)
        if app.status == S.IN_BATCH:
            application_transition(
                actor=actor,
                application=app,
                to_status=S.PAID,
                note=_("银行流水号 %s") % batch.bank_reference,
            )
    audit_record(
        actor=actor,
        action="subsidy.batch_paid",
        obj=batch,
        data={"bank_reference": batch.bank_reference},
        region_path=batch.region.path,
    )
    return batch


@transaction.atomic
def batch_export(*, actor, batch: PaymentBatch) -> bytes:

    batch = PaymentBatch.objects.select_for_update().select_related("region").get(pk=batch.pk)
    if not staff_scope(actor).covers_path(batch.region.path, StaffRole.HR_PAYMENT):
        deny(actor, action="subsidy.batch_export", obj=batch, message=_("无权导出该批次"))
    lines = (
        batch.lines.filter(voided_at__isnull=True)
        .select_related("application__person", "application__institution")
        .order_by("id")
    )
    rows, total = [], Decimal(0)
    for line in lines:
        a = line.application
        rows.append(
            [
                a.pk,
                a.person.name,
                a.person.id_masked,
                a.institution.name if a.institution else "",
                a.get_subsidy_type_display(),
                line.amount,
            ]
        )
        total += line.amount
    rows.append([_("合计"), "", "", "", "", total])
    headers = [_("申请编号"), _("姓名"), _("证件号码"), _("机构"), _("补贴类型"), _("金额（元）")]
    if batch.status == PaymentBatch.Status.OPEN:
        batch.status = PaymentBatch.Status.EXPORTED
    batch.exported_at = timezone.now()
    batch.save()
    audit_record(
        actor=actor, action="subsidy.batch_export", obj=batch, region_path=batch.region.path
    )
    return xlsx_bytes([(_("支付明细"), headers, rows)])


@transaction.atomic
def application_ban_cascade(
    *, actor, application: SubsidyApplication, reason: str, ip: str | None = None, why: str = "ban"
) -> str:
    """D-25 through the state machine. Not yet in a batch → rejected (a draft → withdrawn) with
    `reason`; in an unpaid batch → its line voided (excluded from total, export and payment; an
    exported batch is reopened so it must be exported again), then rejected; paid → never
    changed, flagged for recovery (追回). Returns what was done ('' when nothing)."""
    app = _locked(application.pk)
    now = timezone.now()
    if app.status == S.PAID:
        if app.recovery_flagged_at:
            return ""
        app.recovery_flagged_at, app.recovery_reason = now, reason
        app.save(update_fields=["recovery_flagged_at", "recovery_reason"])
        audit_record(
            actor=actor,
            action="subsidy.recovery_flagged",
            obj=app,
            ip=ip,
            data={"reason": reason, "why": why},
            region_path=app.region.path,
        )
        return "recovery"
    if app.status in (S.REJECTED, S.WITHDRAWN):
        return ""
    if app.status == S.IN_BATCH:
        line = PaymentLine.objects.select_for_update().get(application=app)
        batch = PaymentBatch.objects.select_for_update().get(pk=line.batch_id)
        if batch.status == PaymentBatch.Status.PAID:  # cannot happen: paid batch → paid app
            raise TransitionNotAllowed(_("该批次已支付"))
        line.voided_at, line.void_reason = now, reason
        line.save(update_fields=["voided_at", "void_reason"])
        reopened = batch.status == PaymentBatch.Status.EXPORTED
        if reopened:
            batch.status = PaymentBatch.Status.OPEN
            batch.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="subsidy.batch_line_void",
            obj=batch,
            ip=ip,
            data={
                "application": app.pk,
                "amount": str(line.amount),
                "reopened": reopened,
                "batch_total": str(sel.batch_total(batch)),
            },
            region_path=batch.region.path,
        )
    to_status = S.WITHDRAWN if app.status == S.DRAFT else S.REJECTED
    app.decision_reason = reason
    application_transition(actor=actor, application=app, to_status=to_status, note=reason)
    return to_status


@transaction.atomic
def application_revoke_for_fraud(
    *,
    actor,
    application: SubsidyApplication,
    decision_number: str,
    authority: str,
    decision_date: dt.date,
    reason: str,
    ip: str | None = None,
) -> str:
    """撤销补贴（骗取）, D-29 with D-38: HR of the application's region stops a subsidy obtained
    by deception through the same state-machine steps as a ban (rejected, taken out of an
    unpaid batch, or — paid — flagged for recovery 追回) and, in the same transaction, records
    the finding against the applicant in the credit file. Raises ValidationError when there is
    nothing left to stop (already rejected, withdrawn or flagged)."""
    _require_region_role(actor, application, StaffRole.HR_REVIEWER)
    if not (reason or "").strip():
        raise ValidationError(_("请写明骗取补贴的事实。"))
    note = _("骗取补贴：%(reason)s") % {"reason": reason.strip()}
    done = application_ban_cascade(
        actor=actor, application=application, reason=note[:255], ip=ip, why="fraud"
    )
    if not done:
        raise ValidationError(_("该申请已终止或已标记追回，无需再次撤销。"))
    credit_record_for_subsidy_fraud(
        actor=actor,
        application=application,
        finding=FraudFinding(
            kind=CreditRecord.Kind.SUBSIDY_FRAUD,
            decision_number=decision_number,
            authority=authority,
            decision_date=decision_date,
            summary=reason.strip(),
        ),
        ip=ip,
    )
    return done
