"""Subsidy pages (D-29): thin views — access → one service → response."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certification.access import require_role
from certification.access.subsidies import access_application_for_review, access_own_application
from certification.audit import audit_refusal_survive
from certification.forms_credit import SubsidyFraudForm
from certification.models import Certificate, Region, StaffRole
from certification.models.subsidies import (
    ApplicationStatus,
    Objection,
    SubsidyApplication,
    SubsidyType,
)
from certification.rules.certificates import mask_name
from certification.rules.subsidies import CheckResult
from certification.selectors import subsidies as sel
from certification.services import subsidies as svc
from certification.services.bans import PersonBanned
from cms.db_router import lag_tolerant_reads
from cms.text import join_messages


@login_required
def review_queue(request):
    scope = require_role(
        request.user, StaffRole.HR_REVIEWER, request=request, action="subsidy.queue"
    )
    rows = sel.review_queue_rows(scope=scope, today=timezone.localdate())
    return render(request, "certification/subsidies/review_queue.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def review(request, application_id: int):
    app = access_application_for_review(request.user, application_id, request=request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve_notice", "reject"):
                svc.application_review(
                    actor=request.user,
                    application=app,
                    approve=action == "approve_notice",
                    reason=request.POST.get("reason", ""),
                )
            elif action == "approve":
                svc.application_approve(actor=request.user, application=app)
            elif action == "fraud":
                fraud_form = SubsidyFraudForm(request.POST)
                if not fraud_form.is_valid():
                    raise ValidationError(
                        _("撤销补贴（骗取）须填写决定文号、决定机关、日期和事实。")
                    )
                svc.application_revoke_for_fraud(
                    actor=request.user, application=app, **fraud_form.cleaned_data
                )
            elif action in ("uphold", "dismiss"):
                objection = get_object_or_404(
                    Objection, pk=request.POST.get("objection"), application=app
                )
                svc.objection_resolve(
                    actor=request.user,
                    objection=objection,
                    upheld=action == "uphold",
                    resolution=request.POST.get("resolution", ""),
                )
            messages.success(request, _("已处理"))
            return redirect("certification:subsidy_review", application_id=app.pk)
        except (ValidationError, PersonBanned) as exc:
            messages.error(request, join_messages(getattr(exc, "messages", [str(exc)])))
    return render(
        request,
        "certification/subsidies/review.html",
        {
            "app": app,
            # The snapshotted checks, each reason in the viewer's language.
            "checks": [CheckResult.from_dict(c) for c in app.eligibility or []],
            "objections": app.objections.select_related("resolved_by"),
            "fraud_form": SubsidyFraudForm(),
        },
    )


@login_required
def final_approval(request):
    """HR: applications whose notice has ended (ready for final approval, or blocked by an open
    objection) and those still under notice, so an application never vanishes after 公示."""
    scope = require_role(
        request.user, StaffRole.HR_REVIEWER, request=request, action="subsidy.approval_list"
    )
    today = timezone.localdate()
    return render(
        request,
        "certification/subsidies/approval.html",
        {
            "ready": sel.final_approval_rows(scope=scope, today=today),
            "notice": [a for a in sel.notice_rows_for_hr(scope=scope) if a.notice_end >= today],
        },
    )


@login_required
def objection_list(request):
    scope = require_role(
        request.user, StaffRole.HR_REVIEWER, request=request, action="subsidy.objections"
    )
    return render(
        request,
        "certification/subsidies/objections.html",
        {"objections": sel.objections_for_hr(scope=scope)},
    )


@require_http_methods(["GET", "POST"])
def public_notice(request):
    if request.method == "POST":
        if not request.user.is_authenticated:
            messages.error(request, _("请先登录后再提交异议"))
            return redirect_to_login(request.get_full_path())
        app = get_object_or_404(
            SubsidyApplication.objects.select_related("region"),
            pk=_int_or_none(request.POST.get("application")),
            status=ApplicationStatus.NOTICE,
        )
        try:
            svc.objection_file(
                actor=request.user,
                application=app,
                text=request.POST.get("text", ""),
                contact=request.POST.get("contact", ""),
            )
            messages.success(request, _("异议已提交"))
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
        return redirect("certification:subsidy_notice")
    with lag_tolerant_reads():  # a public list: a replica's few seconds of lag are harmless
        rows = [{"app": a, "name": mask_name(a.person.name)} for a in sel.under_notice()]

    return render(
        request,
        "certification/subsidies/notice.html",
        {"rows": rows, "max_chars": settings.SUBSIDY_OBJECTION_MAX_CHARS},
    )


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def payment_batch_list(request):
    """The payment officer: build the month's batch from approved applications (selected or
    all), export it (xlsx with total), mark it paid."""
    scope = require_role(
        request.user, StaffRole.HR_PAYMENT, request=request, action="subsidy.batches"
    )
    batches = sel.batches_for(scope=scope)
    regions = list(
        Region.objects.filter(path__in=scope.paths(StaffRole.HR_PAYMENT)).order_by("path")
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("build_selected", "build_all"):
                region = next(
                    (r for r in regions if str(r.pk) == request.POST.get("region")), None
                ) or (regions[0] if len(regions) == 1 else None)
                if region is None:
                    raise Http404
                ids = None
                if action == "build_selected":
                    ids = [i for i in map(_int_or_none, request.POST.getlist("application")) if i]
                    if not ids:
                        raise ValidationError(_("请选择要编入批次的申请"))
                batch, added = svc.batch_build(
                    actor=request.user,
                    region=region,
                    month=timezone.localdate(),
                    application_ids=ids,
                )
                messages.success(
                    request,
                    _("已编入批次 #%(b)s：%(n)s 笔") % {"b": batch.pk, "n": len(added)},
                )
                return redirect("certification:payment_batch_list")
            batch = batches.filter(pk=_int_or_none(request.POST.get("batch"))).first()
            if batch is None:
                raise Http404
            if action == "export":
                data = svc.batch_export(actor=request.user, batch=batch)
                resp = HttpResponse(
                    data,
                    content_type="application/vnd.openxmlformats-"
                    "officedocument.spreadsheetml.sheet",
                )
                resp["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}.xlsx"'
                return resp
            svc.batch_mark_paid(
                actor=request.user,
                batch_id=batch.pk,
                bank_reference=request.POST.get("bank_reference", ""),
            )
            messages.success(request, _("已标记支付"))
        except PermissionDenied as exc:
            audit_refusal_survive(exc)  # shown as a message: the exception ends here
            messages.error(request, str(exc) or _("无权执行此操作"))
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
        return redirect("certification:payment_batch_list")
    approved = [
        a
        for r in regions
        for a in sel.batchable_applications(region=r, actor=request.user).select_related(
            "person", "region"
        )
    ]
    return render(
        request,
        "certification/subsidies/batches.html",
        {"batches": batches, "approved": approved, "regions": regions},
    )


def _worker_person(request):
    return getattr(request.user, "person", None)


@login_required
def eligibility(request):
    """D-27: the worker's certificates × subsidy types, each check with its reason."""
    person = _worker_person(request)
    if person is None:
        return redirect("certification:claim")

    rows = [
        r
        for r in sel.eligibility_matrix(person=person, on=timezone.localdate())
        if r["certificate"].status == Certificate.Status.VALID
    ]
    return render(request, "certification/subsidies/eligibility.html", {"rows": rows})


@login_required
@require_http_methods(["POST"])
def apply(request):
    """D-29: certificate + type + pledge → one submitted application, or the refusal shown."""

    person = _worker_person(request)
    if person is None:
        return redirect("certification:claim")
    cert = get_object_or_404(Certificate, pk=request.POST.get("certificate"), person=person)
    stype = request.POST.get("subsidy_type", "")
    if stype not in SubsidyType.values:
        messages.error(request, _("请选择补贴类型"))
        return redirect("certification:subsidy_eligibility")
    try:
        svc.application_apply(
            actor=request.user,
            person=person,
            certificate=cert,
            subsidy_type=stype,
            pledge_confirmed=request.POST.get("pledge") == "on",
        )
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
        return redirect("certification:subsidy_eligibility")
    messages.success(request, _("申请已提交"))
    return redirect("certification:my_subsidy_applications")


@login_required
def my_applications(request):
    person = _worker_person(request)
    if person is None:
        return redirect("certification:claim")
    apps = (
        SubsidyApplication.objects.filter(person=person)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("certificate")
        .prefetch_related("history")
    )
    return render(
        request,
        "certification/subsidies/mine.html",
        {"apps": apps, "withdrawable": [ApplicationStatus.SUBMITTED.value]},
    )


@login_required
@require_http_methods(["POST"])
def withdraw(request, application_id: int):

    app = access_own_application(request.user, application_id)
    try:
        svc.application_withdraw(actor=request.user, application=app)
        messages.success(request, _("申请已撤回"))
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    return redirect("certification:my_subsidy_applications")
