"""Institution admins end an employment (离职, D-5), including a ban-flagged one (D-25), and
upload their staff roster (花名册)."""

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
)
from certification.models import StaffRole
from certification.services.employment_states import employment_end
from certification.services.staff_roster import (
    staff_roster_import,
    staff_roster_import_start,
    staff_roster_template,
)
from certification.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetRefused, spreadsheet_is_large
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
    return redirect(
        f"{reverse('certification:institution_dashboard')}?org={employment.institution_id}"
    )


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
