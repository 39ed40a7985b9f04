"""Institution admins change an employment — end it (离职, D-5; a ban-flagged one too, D-25),
correct its insurance months and contract, move the person to another of their institutions or
another role (调动) — and upload their staff roster (花名册)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from certification.access import require_role
from certification.access.employments import (
    access_employment_for_change,
    access_institution_for_hiring,
    institutions_for_hiring,
)
from certification.audit import client_ip
from certification.models import Organisation, StaffRole
from certification.services.bans import BLOCKED_MESSAGE, PersonBanned
from certification.services.employment_states import employment_end, employment_update_terms
from certification.services.people import employment_transfer
from certification.services.staff_roster import (
    staff_roster_import,
    staff_roster_import_start,
    staff_roster_template,
)
from certification.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetRefused, spreadsheet_is_large
from cms.choices import WorkerRole
from cms.text import join_messages


class EmploymentEndForm(forms.Form):
    end_date = forms.DateField(label=gettext_lazy("离职日期"))

    def clean_end_date(self):
        value = self.cleaned_data["end_date"]
        if value > timezone.localdate() + dt.timedelta(days=31):
            raise ValidationError(_("离职日期不能晚于一个月之后。"))
        return value


@require_POST
@login_required
def employment_end_view(request, employment_id: int):
    employment = access_employment_for_change(request.user, employment_id, request=request)
    form = EmploymentEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, join_messages([e for errs in form.errors.values() for e in errs]))
    else:
        try:
            employment_end(
                actor=request.user, employment=employment, end_date=form.cleaned_data["end_date"]
            )
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
        else:
            messages.success(
                request,
                _("已为 %(name)s 办理离职。") % {"name": employment.person.name},
            )
    return _dashboard(employment.institution_id)


class EmploymentTermsForm(forms.Form):
    ui_contribution_months = forms.IntegerField(
        label=gettext_lazy("失业保险缴费月数"), min_value=0, max_value=600
    )
    has_labour_contract = forms.BooleanField(label=gettext_lazy("已签订劳动合同"), required=False)


class EmploymentTransferForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=gettext_lazy("调入机构"), queryset=Organisation.objects.none(), empty_label=None
    )
    role = forms.ChoiceField(label=gettext_lazy("岗位"), choices=WorkerRole.choices)
    start_date = forms.DateField(
        label=gettext_lazy("调动日期"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        if value > timezone.localdate() + dt.timedelta(days=31):
            raise ValidationError(_("调动日期不能晚于一个月之后。"))
        return value


def _dashboard(institution_id: int):
    return redirect(f"{reverse('certification:institution_dashboard')}?org={institution_id}")


@login_required
def employment_detail_view(request, employment_id: int):
    employment = access_employment_for_change(
        request.user, employment_id, action="employment.view", request=request
    )
    terms_form = EmploymentTermsForm(
        initial={
            "ui_contribution_months": employment.ui_contribution_months,
            "has_labour_contract": employment.has_labour_contract,
        }
    )
    transfer_form = EmploymentTransferForm(
        institutions=institutions_for_hiring(request.user),
        initial={
            "institution": employment.institution_id,
            "role": employment.role,
            "start_date": timezone.localdate(),
        },
    )
    return render(
        request,
        "certification/employments/detail.html",
        {
            "employment": employment,
            "terms_form": terms_form,
            "transfer_form": transfer_form,
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def employment_terms_view(request, employment_id: int):
    employment = access_employment_for_change(
        request.user, employment_id, action="employment.terms", request=request
    )
    form = EmploymentTermsForm(request.POST)
    if not form.is_valid():
        messages.error(request, join_messages([e for errs in form.errors.values() for e in errs]))
        return redirect("certification:employment_detail", employment_id=employment.pk)
    try:
        employment_update_terms(
            actor=request.user, employment=employment, ip=client_ip(request), **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
        return redirect("certification:employment_detail", employment_id=employment.pk)
    messages.success(request, _("已更新 %(name)s 的任职信息。") % {"name": employment.person.name})
    return _dashboard(employment.institution_id)


@require_POST
@login_required
def employment_transfer_view(request, employment_id: int):
    employment = access_employment_for_change(
        request.user, employment_id, action="employment.transfer", request=request
    )
    form = EmploymentTransferForm(
        request.POST, institutions=Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION)
    )
    if not form.is_valid():
        messages.error(request, join_messages([e for errs in form.errors.values() for e in errs]))
        return redirect("certification:employment_detail", employment_id=employment.pk)
    # The target is checked like any hire: an institution this user administers, or 404.
    target = access_institution_for_hiring(
        request.user, form.cleaned_data["institution"].pk, request=request
    )
    try:
        moved = employment_transfer(
            actor=request.user,
            employment=employment,
            institution=target,
            role=form.cleaned_data["role"],
            start_date=form.cleaned_data["start_date"],
            ip=client_ip(request),
        )
    except PersonBanned:
        messages.error(request, _(BLOCKED_MESSAGE))
        return redirect("certification:employment_detail", employment_id=employment.pk)
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
        return redirect("certification:employment_detail", employment_id=employment.pk)
    messages.success(
        request,
        _("%(name)s 已调入 %(institution)s。")
        % {"name": employment.person.name, "institution": target.name},
    )
    return _dashboard(moved.institution_id)


class StaffRosterUploadForm(forms.Form):
    # Size, type and content are checked by certification.spreadsheets, as for every import.
    file = forms.FileField(label=gettext_lazy("花名册文件（.xlsx）"))


@login_required
def staff_roster_import_view(request, institution_id: int):
    institution = access_institution_for_hiring(request.user, institution_id, request=request)
    form = StaffRosterUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # A big roster is never parsed here: it runs in Celery with a progress page.
            if spreadsheet_is_large(upload, filename=upload.name):
                job = staff_roster_import_start(
                    actor=request.user, institution=institution, upload=upload
                )
                return redirect("certification:import_job_progress", pk=job.pk)
            employed = staff_roster_import(
                actor=request.user, institution=institution, upload=upload
            )
        except SpreadsheetRefused as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)d 名员工。") % {"n": employed})
            return redirect(
                f"{reverse('certification:institution_dashboard')}?org={institution.pk}"
            )
    return render(
        request,
        "certification/employments/roster_import.html",
        {"institution": institution, "form": form, "errors": errors},
    )


@login_required
def staff_roster_template_download(request):
    require_role(
        request.user, StaffRole.INSTITUTION_ADMIN, request=request, action="employment.template"
    )
    response = HttpResponse(staff_roster_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="staff-roster-template.xlsx"'
    return response
