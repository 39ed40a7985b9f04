"""Ban register pages (D-22…D-25). Thin: form → access → one service → response."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from certification.access.bans import (
    access_ban,
    access_hiring_check_record,
    bans_visible_to,
    require_institution_admin,
    require_regulator,
)
from certification.audit import client_ip
from certification.filters import BanFilter
from certification.forms_bans import (
    BanAnnulForm,
    BanEntryForm,
    BanImportForm,
    HiringCheckForm,
    HiringEmploymentForm,
)
from certification.models import BanCheck, Notification, Organisation, Region, StaffRole
from certification.selectors.work_certificates import newcomer_requirement, region_requirements
from certification.services.ban_register import (
    ban_annul,
    ban_create,
    ban_create_preview,
    ban_import,
    ban_import_start,
    hiring_employ,
)
from certification.services.bans import BLOCKED_MESSAGE, PersonBanned, ban_check_id_number
from certification.spreadsheets import SpreadsheetRefused, spreadsheet_is_large
from certification.views.throttles import refuse_if_too_frequent


def _regions(scope):
    return Region.objects.filter(scope.region_q("path", StaffRole.REGULATOR)).order_by("path")


@never_cache
@login_required
def ban_list(request):
    entries = bans_visible_to(request.user, request=request).select_related("region")
    filters = BanFilter(request.GET, queryset=entries)
    return render(
        request, "certification/bans/list.html", {"entries": filters.qs[:200], "filters": filters}
    )


@never_cache
@login_required
def ban_detail(request, ban_id: int):
    entry = access_ban(request.user, ban_id, request=request)
    return render(
        request, "certification/bans/detail.html", {"entry": entry, "annul_form": BanAnnulForm()}
    )


@never_cache
@login_required
def ban_new(request):
    """Register a ban in two steps: the form, then a preview of what the cascade will touch
    (certificates, applications, employments) that the regulator confirms (issue 17)."""
    scope = require_regulator(request.user, request=request, action="ban.create")
    form = BanEntryForm(request.POST or None, regions=_regions(scope).filter(is_active=True))
    preview = entry = None
    if request.method == "POST" and "edit" not in request.POST and form.is_valid():
        try:
            if request.POST.get("confirm") == "1":
                entry = ban_create(actor=request.user, ip=client_ip(request), **form.cleaned_data)
                messages.success(request, _("已登记，并已完成联动处理。"))
                return redirect("certification:ban_detail", ban_id=entry.pk)
            entry, preview = ban_create_preview(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(
        request,
        "certification/bans/form.html",
        {
            "form": form,
            "preview": preview,
            "entry": entry,
            "future": entry is not None and entry.effective_date > timezone.localdate(),
        },
    )


@never_cache
@login_required
def ban_annul_view(request, ban_id: int):
    entry = access_ban(request.user, ban_id, request=request)
    form = BanAnnulForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ban_annul(actor=request.user, entry=entry, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已依法律文书撤销该登记。"))
    return redirect("certification:ban_detail", ban_id=entry.pk)


@never_cache
@login_required
def ban_import_view(request):
    scope = require_regulator(request.user, request=request, action="ban.import")
    form = BanImportForm(
        request.POST or None, request.FILES or None, regions=_regions(scope).filter(is_active=True)
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # A big file is never parsed here: it runs in Celery with a progress page.
            if spreadsheet_is_large(upload, filename=upload.name):
                job = ban_import_start(
                    actor=request.user,
                    upload=upload,
                    filename=upload.name,
                    region=form.cleaned_data["region"],
                    ip=client_ip(request),
                )
                return redirect("certification:import_job_progress", pk=job.pk)
            created = ban_import(
                actor=request.user,
                fileobj=upload,
                filename=upload.name,
                region=form.cleaned_data["region"],
                ip=client_ip(request),
            )
        except SpreadsheetRefused as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)s 条。") % {"n": len(created)})
            return redirect("certification:ban_list")
    return render(
        request,
        "certification/bans/import.html",
        {"form": form, "errors": errors, "async_rows": settings.IMPORT_ASYNC_ROWS},
    )


@never_cache
@login_required
def ban_alerts(request):
    scope = require_regulator(request.user, request=request, action="ban.alerts")
    region_q = scope.region_q("region_path", StaffRole.REGULATOR)
    ban_q = scope.region_q("ban__region__path", StaffRole.REGULATOR)
    checks = (
        BanCheck.objects.exclude(result=BanCheck.Result.CLEAR)
        .filter(region_q | ban_q)
        .select_related("ban", "organisation", "actor")[:200]
    )
    notices = Notification.objects.filter(
        kind=Notification.Kind.BAN_ALERT, recipient_region__in=_regions(scope)
    )[:100]
    return render(request, "certification/bans/alerts.html", {"checks": checks, "notices": notices})


@never_cache
@login_required
def hiring_check(request):
    """入职查询 for institution admins: the result says only clear or blocked (D-23)."""
    org_ids = require_institution_admin(request.user, request=request)
    # One query: the menu's institutions, and among them the one posted (else the first).
    institutions = list(Organisation.objects.filter(pk__in=org_ids).select_related("region"))
    posted = request.POST.get("institution")
    institution = next(
        (i for i in institutions if str(i.pk) == posted), institutions[0] if institutions else None
    )
    if request.method == "POST":
        refused = refuse_if_too_frequent(
            request, scope="page-hiring-check", setting="PAGE_RATE_HIRING_CHECK"
        )
        if refused is not None:
            return refused
    form = HiringCheckForm(request.POST or None)
    employ_form = None
    result = record = None
    if request.method == "POST" and form.is_valid() and institution is not None:
        data = form.cleaned_data
        try:
            if "employ" in request.POST:
                employ_form = HiringEmploymentForm(request.POST)
                if employ_form.is_valid():
                    employment = hiring_employ(
                        actor=request.user,
                        institution=institution,
                        ip=client_ip(request),
                        **data,
                        **employ_form.cleaned_data,
                    )
                    messages.success(request, _("已办理入职登记。"))
                    # D-37: what the newcomer needs (or that nothing is required).
                    messages.info(
                        request,
                        newcomer_requirement(
                            person=employment.person,
                            role=employment.role,
                            region=institution.region,
                            start_date=employment.start_date,
                        ).message,
                    )
                    return redirect("certification:hiring_check")
                result = "clear"
            else:
                outcome = ban_check_id_number(
                    **data,
                    purpose="hiring",
                    actor=request.user,
                    actor_role=StaffRole.INSTITUTION_ADMIN,
                    organisation=institution,
                    ip=client_ip(request),
                )
                result = "blocked" if outcome.is_hit else "clear"
                record = outcome.check
                employ_form = HiringEmploymentForm() if result == "clear" else None
        except PersonBanned:
            result, employ_form = "blocked", None
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(
        request,
        "certification/bans/hiring_check.html",
        {
            "form": form,
            "employ_form": employ_form,
            "result": result,
            "institution": institution,
            "institutions": institutions,
            "blocked_message": _(BLOCKED_MESSAGE),
            "record": record,
            "work_certificate_rules": (
                region_requirements(region=institution.region)
                if employ_form is not None and institution is not None
                else []
            ),
        },
    )


@never_cache
@login_required
def hiring_check_record(request, check_id: int):
    """The printable record of one hiring check: who asked, when, for whom (masked), and the
    outcome in the words the employer saw — never the ban's details."""
    check = access_hiring_check_record(request.user, check_id, request=request)
    return render(
        request,
        "certification/bans/hiring_record.html",
        {"check": check, "blocked_message": _(BLOCKED_MESSAGE)},
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)
