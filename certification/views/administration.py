"""Province administration pages (issue 15): organisations, accreditations, staff grants and
the invitee's acceptance. Thin: form → access → one service → response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certification.access import deny
from certification.access.administration import (
    access_grant,
    access_organisation_for_admin,
    can_edit_calendar,
    grants_administered,
    organisations_administered,
    regions_administered,
    require_administrator,
)
from certification.audit import audit_record, client_ip
from certification.filters import GrantFilter, OrganisationFilter
from certification.forms_admin import (
    AccreditationForm,
    CalendarDayForm,
    GrantForm,
    GrantRejectForm,
    InvitationAcceptForm,
    OrganisationForm,
    OrganisationStatusForm,
)
from certification.models import RoleGrant
from certification.selectors.calendar import calendar_year
from certification.services import calendar as calendar_svc
from certification.services import grants as grant_svc
from certification.services import organisations as org_svc
from certification.spreadsheets import xlsx_response
from cms.accounts import sign_in_after_setting_password
from cms.text import join_messages


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@never_cache
@login_required
def organisation_list(request):
    require_administrator(request.user, request=request, action="organisation.list")
    filters = OrganisationFilter(
        request.GET,
        queryset=organisations_administered(request.user).order_by("region__path", "name"),
    )
    page = Paginator(filters.qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "certification/manage/organisations.html", {"page": page, "filters": filters}
    )


@never_cache
@login_required
def organisation_new(request):
    require_administrator(request.user, request=request, action="organisation.create")
    form = OrganisationForm(
        request.POST or None, regions=regions_administered(request.user).filter(is_active=True)
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = org_svc.organisation_create(
                actor=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已登记机构 %(name)s。") % {"name": org.name})
            return redirect("certification:organisation_edit", organisation_id=org.pk)
    return render(request, "certification/manage/organisation_form.html", {"form": form})


@never_cache
@login_required
def organisation_edit(request, organisation_id: int):
    org = access_organisation_for_admin(
        request.user, organisation_id, request=request, action="organisation.update"
    )
    form = OrganisationForm(
        request.POST or None, instance=org, regions=regions_administered(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            org_svc.organisation_update(
                actor=request.user, organisation=org, ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("certification:organisation_edit", organisation_id=org.pk)
    return render(
        request,
        "certification/manage/organisation_form.html",
        {
            "form": form,
            "org": org,
            "status_form": OrganisationStatusForm(),
            "accreditation_form": AccreditationForm(),
            "accreditations": org.accreditations.prefetch_related("courses").order_by(
                "-valid_from"
            ),
        },
    )


@require_POST
@login_required
def organisation_status(request, organisation_id: int):
    org = access_organisation_for_admin(
        request.user, organisation_id, request=request, action="organisation.status"
    )
    form = OrganisationStatusForm(request.POST)
    if form.is_valid():
        try:
            org_svc.organisation_set_status(
                actor=request.user, organisation=org, ip=client_ip(request), **form.cleaned_data
            )
            messages.success(request, _("已更新运营状态。"))
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
    else:
        messages.error(request, _("请选择状态并填写原因。"))
    return redirect("certification:organisation_edit", organisation_id=org.pk)


@require_POST
@login_required
def accreditation_new(request, organisation_id: int):
    org = access_organisation_for_admin(
        request.user, organisation_id, request=request, action="accreditation.create"
    )
    form = AccreditationForm(request.POST)
    if form.is_valid():
        try:
            org_svc.accreditation_create(
                actor=request.user,
                training_base=org,
                ip=client_ip(request),
                courses=list(form.cleaned_data["courses"]),
                valid_from=form.cleaned_data["valid_from"],
                valid_to=form.cleaned_data["valid_to"],
                document_number=form.cleaned_data["document_number"],
            )
            messages.success(request, _("已登记培训资质。"))
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
    else:
        messages.error(request, join_messages([str(e) for e in form.errors.values()]))
    return redirect("certification:organisation_edit", organisation_id=org.pk)


@never_cache
@login_required
def grant_list(request):
    require_administrator(request.user, request=request, action="grant.list")
    filters = GrantFilter(request.GET, queryset=grants_administered(request.user))
    grants = filters.qs
    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user,
            action="grant.export",
            data={**filters.form.cleaned_data, "rows": grants.count()},
            ip=client_ip(request),
        )
        return xlsx_response(
            "staff-roles.xlsx",
            [(_("角色授权"), [str(h) for h in GRANT_HEADERS], _grant_rows(grants))],
        )
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/manage/grants.html",
        {"page": page, "filters": filters, "reject_form": GrantRejectForm()},
    )


GRANT_HEADERS = (
    gettext_lazy("姓名"),
    gettext_lazy("邮箱"),
    gettext_lazy("手机号"),
    gettext_lazy("角色"),
    gettext_lazy("数据范围"),
    gettext_lazy("状态"),
    gettext_lazy("提出人"),
    gettext_lazy("复核人"),
    gettext_lazy("邀请时间"),
)


def _grant_rows(grants):
    for g in grants.iterator(chunk_size=1000):
        yield [
            g.display_name,
            g.email,
            g.phone_masked,
            g.get_role_display(),
            g.scope_label,
            g.get_status_display(),
            g.requested_by.email if g.requested_by else "",
            g.approved_by.email if g.approved_by else "",
            timezone.localtime(g.invited_at).strftime("%Y-%m-%d %H:%M") if g.invited_at else "",
        ]


@never_cache
@login_required
def grant_new(request):
    require_administrator(request.user, request=request, action="grant.request")
    form = GrantForm(
        request.POST or None,
        organisations=organisations_administered(request.user).order_by("name"),
        regions=regions_administered(request.user).filter(is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = grant_svc.grant_request(
                actor=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if grant.status == RoleGrant.Status.PENDING_APPROVAL:
                messages.success(request, _("已提交，须由另一位管理员复核通过后发出邀请。"))
            else:
                messages.success(request, _("已向 %(email)s 发出邀请。") % {"email": grant.address})
            return redirect("certification:grant_list")
    return render(request, "certification/manage/grant_form.html", {"form": form})


@require_POST
@login_required
def grant_decide(request, grant_id: int):
    try:
        if request.POST.get("decision") == "approve":
            grant_svc.grant_approve(
                actor=request.user, grant_id=grant_id, ip=client_ip(request), request=request
            )
            messages.success(request, _("已复核通过并发出邀请。"))
        else:
            form = GrantRejectForm(request.POST)
            grant_svc.grant_reject(
                actor=request.user,
                grant_id=grant_id,
                reason=form.data.get("reason", ""),
                ip=client_ip(request),
                request=request,
            )
            messages.success(request, _("已记录不予通过。"))
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    return redirect("certification:grant_list")


@require_POST
@login_required
def grant_revoke(request, grant_id: int):
    grant = access_grant(request.user, grant_id, request=request, action="grant.revoke")
    try:
        grant_svc.grant_revoke(actor=request.user, grant=grant, ip=client_ip(request))
        messages.success(request, _("已撤销该授权，对应角色立即失效。"))
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    return redirect("certification:grant_list")


@never_cache
def invitation_accept(request, token: str):
    """The invitee's page: set a password (new account) or accept as the signed-in user."""
    grant = grant_svc.invitation_for_token(token)
    if grant is None:
        return render(request, "certification/manage/invitation_invalid.html", status=404)
    signed_in = request.user.is_authenticated
    form = (
        None if signed_in else InvitationAcceptForm(request.POST or None, ask_email=not grant.email)
    )
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            user = grant_svc.invitation_accept(
                token=token,
                user=request.user if signed_in else None,
                password="" if signed_in else form.cleaned_data["password1"],
                email="" if signed_in else form.cleaned_data.get("email", ""),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            if form is None:
                messages.error(request, join_messages(exc.messages))
            else:
                _form_errors(form, exc)
        else:
            if not signed_in:
                sign_in_after_setting_password(request, user)
            messages.success(request, _("账号已启用。请按提示设置两步验证。"))
            return redirect("/")
    return render(
        request,
        "certification/manage/invitation.html",
        {"grant": grant, "form": form, "signed_in": signed_in},
    )


@never_cache
@login_required
def calendar_edit(request):
    """D-35: the year's holidays and make-up working days; a system administrator enters the
    next year's arrangement when the State Council publishes it."""
    if not can_edit_calendar(request.user):
        deny(request.user, action="calendar.view", request=request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), today.year + 5)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calendar_svc.calendar_day_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(day)s") % {"day": form.cleaned_data["day"]})
            return redirect(f"{request.path}?year={form.cleaned_data['day'].year}")
    return render(
        request,
        "certification/manage/calendar.html",
        {
            "form": form,
            "year": year,
            "days": calendar_year(year),
            "years": range(today.year - 1, today.year + 3),
            "today": today,
        },
    )
