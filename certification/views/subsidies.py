"""Subsidy pages (D-29): thin views — access → one service → response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certification.access import require_role
from certification.access.subsidies import access_application_for_review
from certification.models import StaffRole
from certification.models.subsidies import ApplicationStatus, SubsidyApplication
from certification.selectors import subsidies as sel
from certification.services import subsidies as svc
from certification.services.bans import PersonBanned
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
            messages.success(request, _("已处理"))
            return redirect("certification:subsidy_review", application_id=app.pk)
        except (ValidationError, PersonBanned) as exc:
            messages.error(request, join_messages(getattr(exc, "messages", [str(exc)])))
    return render(request, "certification/subsidies/review.html", {"app": app})


@require_http_methods(["GET", "POST"])
def public_notice(request):
    if request.method == "POST":
        app = get_object_or_404(
            SubsidyApplication, pk=request.POST.get("application"), status=ApplicationStatus.NOTICE
        )
        try:
            svc.objection_file(
                application=app,
                text=request.POST.get("text", ""),
                contact=request.POST.get("contact", ""),
            )
            messages.success(request, _("异议已提交"))
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
        return redirect("certification:subsidy_notice")
    rows = [{"app": a, "name": sel.mask_name(a.person.name)} for a in sel.under_notice()]
    return render(request, "certification/subsidies/notice.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def payment_batch_list(request):
    from django.http import Http404, HttpResponse

    from certification.models.subsidies import PaymentBatch

    scope = require_role(
        request.user, StaffRole.HR_PAYMENT, request=request, action="subsidy.batches"
    )
    batches = PaymentBatch.objects.filter(scope.region_q("region__path", StaffRole.HR_PAYMENT))
    if request.method == "POST":
        batch = batches.filter(pk=request.POST.get("batch")).first()
        if batch is None:
            raise Http404
        try:
            if request.POST.get("action") == "export":
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
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
        return redirect("certification:payment_batch_list")
    return render(
        request,
        "certification/subsidies/batches.html",
        {"batches": batches.prefetch_related("lines")},
    )


def _worker_person(request):
    return getattr(request.user, "person", None)


@login_required
def eligibility(request):
    """D-27: the worker's certificates × subsidy types, each check with its reason."""
    person = _worker_person(request)
    if person is None:
        return redirect("certification:claim")
    from certification.models import Certificate

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
    from certification.models import Certificate
    from certification.models.subsidies import SubsidyType

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
    from certification.access.subsidies import access_own_application

    app = access_own_application(request.user, application_id)
    try:
        svc.application_withdraw(actor=request.user, application=app)
        messages.success(request, _("申请已撤回"))
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    return redirect("certification:my_subsidy_applications")
