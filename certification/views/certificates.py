"""Certificate views (thin): public verification, holder list/download, base staff list,
revocation, batch issue and its progress (D-17…D-21)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from certification.access import require_role, staff_scope
from certification.access.certificates import access_certificate
from certification.forms_certificates import (
    SkillCertificateForm,
    SkillCertificateImportForm,
    VerifySearchForm,
)
from certification.forms_credit import CertificateRevokeForm
from certification.models import CertificateBatch, Organisation
from certification.models.staff import StaffRole
from certification.rules.certificates import mask_name
from certification.selectors import certificates as sel
from certification.selectors import supervision as supervision_sel
from certification.services.certificates import (
    CertificateRefused,
    certificate_batch_create,
    certificate_revoke,
)
from certification.services.credentials import certificate_credential_check
from certification.services.credit import FraudFinding
from certification.services.skill_certificates import (
    IMPORT_COLUMNS,
    require_skill_recorder,
    skill_certificate_record,
    skill_certificates_import,
    skill_import_start,
)
from certification.spreadsheets import SpreadsheetRefused, spreadsheet_is_large
from certification.views.throttles import refuse_if_too_frequent
from cms.db_router import lag_tolerant_reads
from cms.models import CoursePage


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def verify(request, code: str):
    """Public page, no login: validity and masked data only."""
    with lag_tolerant_reads():  # the credential check below reads the status list on the primary
        cert = sel.certificate_by_code(code)
    if cert is None:
        return _no_store(render(request, "certification/certificates/verify_404.html", status=404))
    return _no_store(
        render(
            request,
            "certification/certificates/verify.html",
            {
                "c": cert,
                "masked_name": mask_name(cert.person.name),
                "credential": certificate_credential_check(cert),
            },
        )
    )


def verify_search(request):
    """Public look-up by certificate number and holder's name; a match opens the verify page.
    A miss never says which of the two was wrong. Rate-limited per visitor."""
    form = VerifySearchForm(request.GET or None)
    not_found = False
    if form.is_bound:
        refused = refuse_if_too_frequent(
            request, scope="page-verify-search", setting="PAGE_RATE_VERIFY_SEARCH"
        )
        if refused is not None:
            return refused
        if form.is_valid():
            cert = sel.certificate_by_serial_and_name(**form.cleaned_data)
            if cert is not None:
                return redirect("certification:verify", code=cert.verification_code)
            not_found = True
    return _no_store(
        render(
            request,
            "certification/certificates/verify_search.html",
            {"form": form, "not_found": not_found},
        )
    )


@login_required
def my_certificates(request):
    return _no_store(
        render(
            request,
            "certification/certificates/my_list.html",
            {"certificates": sel.certificates_of_holder(request.user)},
        )
    )


@login_required
def certificate_pdf(request, pk: int):
    cert = access_certificate(request.user, pk, request=request)
    if not cert.pdf:
        raise Http404
    response = FileResponse(
        cert.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{cert.serial}.pdf",
    )
    return _no_store(response)


@login_required
def base_certificates(request):
    scope = require_role(
        request.user, StaffRole.BASE_STAFF, request=request, action="certificate.list"
    )
    certs = sel.certificates_issued_by(scope.org_ids(StaffRole.BASE_STAFF))[:500]
    return _no_store(
        render(request, "certification/certificates/base_list.html", {"certificates": certs})
    )


@never_cache
@login_required
def revoke(request, pk: int):
    """Revoke a certificate: the short form on the base's list (a reason), or this page, which
    also records a revocation for fraud (证书造假 / 虚假培训) with its decision, written to the
    credit file in the same transaction (D-38)."""
    cert = access_certificate(request.user, pk, request=request)
    form = CertificateRevokeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            fraud = None
            if form.is_fraud:
                fraud = FraudFinding(
                    kind=data["reason_kind"],
                    decision_number=data["decision_number"],
                    authority=data["authority"],
                    decision_date=data["decision_date"],
                    summary=data["reason"],
                )
            try:
                certificate_revoke(
                    actor=request.user, certificate=cert, reason=data["reason"], fraud=fraud
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("证书已撤销。"))
                if fraud is not None:
                    messages.success(request, _("已记入诚信档案。"))
                if staff_scope(request.user).has(StaffRole.BASE_STAFF):
                    return redirect("certification:base_certificates")
                return redirect("certification:person_detail", person_id=cert.person_id)
        elif "reason_kind" not in request.POST:
            messages.error(request, _("撤销证书必须填写原因。"))
            return redirect("certification:base_certificates")
    return render(request, "certification/certificates/revoke.html", {"c": cert, "form": form})


def _own_base(request) -> Organisation:
    scope = require_role(
        request.user, StaffRole.BASE_STAFF, request=request, action="certificate.batch"
    )
    return Organisation.objects.get(pk=min(scope.org_ids(StaffRole.BASE_STAFF)))


@login_required
def batch_new(request):

    base = _own_base(request)
    courses = CoursePage.objects.filter(accreditations__training_base=base).distinct()
    course_id = request.POST.get("course") or request.GET.get("course")
    course = courses.filter(pk=course_id).first() if course_id else None
    if request.method == "POST" and course is not None:
        # "only" is a row's own 单独发证 button: that one person, whatever else is ticked.
        picked = [request.POST["only"]] if request.POST.get("only") else None
        ids = [int(i) for i in picked or request.POST.getlist("person_ids") if i.isdigit()]
        allowed = set(
            sel.batch_candidates(training_base=base, course=course).values_list("pk", flat=True)
        )
        try:
            batch = certificate_batch_create(
                actor=request.user,
                training_base=base,
                course=course,
                person_ids=[i for i in ids if i in allowed],
            )
        except CertificateRefused as exc:  # D-39: a suspended base or accreditation
            for reason in exc.reasons:
                messages.error(request, reason)
        else:
            return redirect("certification:certificate_batch", pk=batch.pk)
    candidates = sel.batch_candidates(training_base=base, course=course) if course else []
    return render(
        request,
        "certification/certificates/batch_new.html",
        {
            "courses": courses,
            "course": course,
            "candidates": candidates,
            "suspensions": supervision_sel.base_suspensions(base),
        },
    )


def _access_batch(request, pk: int) -> CertificateBatch:
    batch = get_object_or_404(CertificateBatch, pk=pk)
    if batch.training_base_id not in staff_scope(request.user).org_ids(StaffRole.BASE_STAFF):
        raise Http404
    return batch


@login_required
def batch_progress(request, pk: int):
    return _no_store(
        render(
            request,
            "certification/certificates/batch_progress.html",
            {"batch": _access_batch(request, pk)},
        )
    )


@login_required
def batch_status(request, pk: int):
    b = _access_batch(request, pk)
    return _no_store(
        JsonResponse(
            {
                "status": b.status,
                "total": b.total,
                "processed": b.processed,
                "issued": b.issued,
                "percent": b.percent,
                "refusals": b.refusals,
            }
        )
    )


verify = never_cache(verify)


@never_cache
@login_required
def skill_certificate_new(request):
    """D-19: record one skill-level certificate (base staff, HR reviewers, regulators)."""

    require_skill_recorder(request.user, request=request)
    form = SkillCertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cert = skill_certificate_record(actor=request.user, **form.cleaned_data)
        except CertificateRefused as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
        else:
            messages.success(
                request, _("已登记职业技能等级证书，编号 %(serial)s。") % {"serial": cert.serial}
            )
            return redirect("certification:skill_certificate_new")
    return render(request, "certification/certificates/skill_form.html", {"form": form})


@never_cache
@login_required
def skill_certificate_import(request):
    """D-19: import skill-level certificates from .xlsx; all or nothing, bad rows named."""

    require_skill_recorder(request.user, request=request)
    form = SkillCertificateImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if spreadsheet_is_large(upload, filename=upload.name):
                job = skill_import_start(actor=request.user, upload=upload, filename=upload.name)
                return redirect("certification:skill_import_progress", pk=job.pk)
            created = skill_certificates_import(
                actor=request.user, fileobj=upload, filename=upload.name
            )
        except SpreadsheetRefused as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)s 张职业技能等级证书。") % {"n": len(created)})
            return redirect("certification:skill_certificate_import")
    return render(
        request,
        "certification/certificates/skill_import.html",
        {"form": form, "errors": errors, "columns": IMPORT_COLUMNS},
    )
