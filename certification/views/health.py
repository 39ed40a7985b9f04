"""Yearly health care (D-36): an institution's employed people with their health standing, a
check or a training recorded for one of them, the .xlsx import of health checks. Regulators of
the region read the list; only the institution's administrators record."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from certification.access import require_role
from certification.access.health import access_employed_person, access_institution_health
from certification.access.people import people_visible_to
from certification.models import HealthCheck, StaffRole
from certification.rules.health import HealthStatus
from certification.selectors.health import (
    health_count_rows,
    institution_health_counts,
    institution_health_people,
)
from certification.services.health import (
    health_check_record,
    health_checks_import,
    health_checks_import_start,
    health_checks_template,
    health_training_record,
)
from certification.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetRefused, spreadsheet_is_large

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HealthCheckForm(forms.Form):
    check_date = forms.DateField(label=gettext_lazy("体检日期"), widget=DATE)
    result = forms.ChoiceField(
        label=gettext_lazy("体检结论"), choices=HealthCheck.Result.choices, widget=forms.RadioSelect
    )
    hospital = forms.CharField(label=gettext_lazy("体检医院"), max_length=128)
    certificate_number = forms.CharField(
        label=gettext_lazy("健康证号"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("体检合格时必填。"),
    )
    valid_until = forms.DateField(
        label=gettext_lazy("健康证有效期至"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("体检合格时必填：健康证最后有效的一天。"),
    )


class HealthTrainingForm(forms.Form):
    training_date = forms.DateField(label=gettext_lazy("培训日期"), widget=DATE)
    hours = forms.DecimalField(
        label=gettext_lazy("培训学时"), min_value=0.5, max_value=999, decimal_places=1
    )
    provider = forms.CharField(label=gettext_lazy("培训机构/主题"), max_length=128)


class HealthImportForm(forms.Form):
    # Size, type and content are checked by certification.spreadsheets, as for every import.
    file = forms.FileField(label=gettext_lazy("体检记录文件（.xlsx）"))


def _add_errors(form, exc: ValidationError) -> None:
    for field_name, errors in exc.message_dict.items():
        form.add_error(None if field_name == "__all__" else field_name, errors)


@never_cache
@login_required
def health_people(request, institution_id: int):
    """The institution's employed people, who needs attention first, filterable by standing."""
    access = access_institution_health(request.user, institution_id, request=request)
    status = request.GET.get("status", "")
    status = status if status in HealthStatus.values else ""
    labels = dict(HealthStatus.choices)
    people = institution_health_people(
        institution=access.institution, visible=people_visible_to(request.user), status=status
    )
    for p in people:
        p["status_label"] = labels[p["health_status"]]
    return render(
        request,
        "certification/health/people.html",
        {
            "institution": access.institution,
            "can_record": access.can_record,
            "people": people,
            "count_rows": health_count_rows(
                institution_health_counts(institution=access.institution)
            ),
            "statuses": HealthStatus.choices,
            "status": status,
        },
    )


def _back(institution):
    return redirect("certification:health_people", institution_id=institution.pk)


def _record_page(
    request, institution_id, person_id, *, form_class, date_field, record, title, done
):
    """One page per kind of yearly record: the form, the service call, the errors it names."""
    access = access_institution_health(request.user, institution_id, record=True, request=request)
    person = access_employed_person(request.user, access.institution, person_id, request=request)
    form = form_class(request.POST or None, initial={date_field: timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            record(
                actor=request.user,
                institution=access.institution,
                person=person,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done % {"name": person.name})
            return _back(access.institution)
    return render(
        request,
        "certification/health/record.html",
        {"institution": access.institution, "person": person, "form": form, "title": title},
    )


@login_required
def health_check_new(request, institution_id: int, person_id: int):
    return _record_page(
        request,
        institution_id,
        person_id,
        form_class=HealthCheckForm,
        date_field="check_date",
        record=health_check_record,
        title=_("登记年度体检"),
        done=_("已登记 %(name)s 的年度体检。"),
    )


@login_required
def health_training_new(request, institution_id: int, person_id: int):
    return _record_page(
        request,
        institution_id,
        person_id,
        form_class=HealthTrainingForm,
        date_field="training_date",
        record=health_training_record,
        title=_("登记卫生保健培训"),
        done=_("已登记 %(name)s 的卫生保健培训。"),
    )


@login_required
def health_import(request, institution_id: int):
    access = access_institution_health(request.user, institution_id, record=True, request=request)
    institution = access.institution
    form = HealthImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # A big sheet is never parsed here: it runs in Celery with a progress page.
            if spreadsheet_is_large(upload, filename=upload.name):
                job = health_checks_import_start(
                    actor=request.user, institution=institution, upload=upload
                )
                return redirect("certification:import_job_progress", pk=job.pk)
            saved = health_checks_import(actor=request.user, institution=institution, upload=upload)
        except SpreadsheetRefused as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)d 条体检记录。") % {"n": saved})
            return _back(institution)
    return render(
        request,
        "certification/health/import.html",
        {"institution": institution, "form": form, "errors": errors},
    )


@login_required
def health_template_download(request):
    require_role(
        request.user, StaffRole.INSTITUTION_ADMIN, request=request, action="health.template"
    )
    response = HttpResponse(health_checks_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="health-checks-template.xlsx"'
    return response
