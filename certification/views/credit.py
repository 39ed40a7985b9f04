"""Credit file pages (D-38): the regulators' and HR list, manual entry, a record and its
correction, the export; and the public summary per organisation (no login, no personal data)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certification.access import staff_scope
from certification.access.credit import (
    CREDIT_KEEPERS,
    access_credit_record,
    credit_organisations_for,
    credit_records_exportable_by,
    credit_records_visible_to,
    credit_regions_for,
    require_credit_keeper,
)
from certification.audit import client_ip
from certification.filters import CreditFilter
from certification.forms_credit import CreditAnnulForm, CreditRecordForm
from certification.selectors.credit import (
    organisation_credit_summary,
    public_organisation_by_code,
    public_organisations,
)
from certification.services.credit import credit_export, credit_record_annul, credit_record_create
from certification.spreadsheets import xlsx_response

EXPORT_LIMIT = 20000


@never_cache
@login_required
def credit_list(request):
    if request.GET.get("format") == "xlsx":
        records = CreditFilter(
            request.GET, queryset=credit_records_exportable_by(request.user, request=request)
        ).qs
        sheets = credit_export(
            actor=request.user, records=records[:EXPORT_LIMIT], ip=client_ip(request)
        )
        return xlsx_response("credit-records.xlsx", sheets)
    records = credit_records_visible_to(request.user, request=request).select_related(
        "region", "organisation", "annuls", "annulled_by"
    )
    filters = CreditFilter(request.GET, queryset=records)
    return render(
        request,
        "certification/credit/list.html",
        {
            "records": filters.qs[:200],
            "filters": filters,
            "can_keep": staff_scope(request.user).has(*CREDIT_KEEPERS),
        },
    )


@never_cache
@login_required
def credit_new(request):
    require_credit_keeper(request.user, request=request)
    form = CreditRecordForm(
        request.POST or None,
        regions=credit_regions_for(request.user),
        organisations=credit_organisations_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("subject_kind")
        try:
            record = credit_record_create(actor=request.user, ip=client_ip(request), **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已记入诚信档案。"))
            return redirect("certification:credit_detail", record_id=record.pk)
    return render(request, "certification/credit/form.html", {"form": form})


@never_cache
@login_required
def credit_detail(request, record_id: int):
    record = access_credit_record(request.user, record_id, request=request)
    can_keep = staff_scope(request.user).covers_path(record.region.path, *CREDIT_KEEPERS)
    return render(
        request,
        "certification/credit/detail.html",
        {"record": record, "annul_form": CreditAnnulForm() if can_keep else None},
    )


@never_cache
@login_required
@require_POST
def credit_annul(request, record_id: int):
    record = access_credit_record(request.user, record_id, request=request, keep=True)
    form = CreditAnnulForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤销更正须填写依据文号、决定机关、日期和原因。"))
        return redirect("certification:credit_detail", record_id=record.pk)
    try:
        correction = credit_record_annul(
            actor=request.user, record=record, ip=client_ip(request), **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("certification:credit_detail", record_id=record.pk)
    messages.success(request, _("已登记撤销更正记录。"))
    return redirect("certification:credit_detail", record_id=correction.pk)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def credit_public_search(request):
    """Public, no login: find an institution or training base by name or 统一社会信用代码."""
    query = (request.GET.get("q") or "").strip()[:100]
    organisations = public_organisations(query)[:50] if query else []
    return render(
        request,
        "certification/credit/public_search.html",
        {"query": query, "organisations": organisations},
    )


def credit_public_organisation(request, credit_code: str):
    """Public, no login: one organisation's credit summary (no personal data)."""
    organisation = public_organisation_by_code(credit_code)
    if organisation is None:
        raise Http404
    return _no_store(
        render(
            request,
            "certification/credit/public_organisation.html",
            {"summary": organisation_credit_summary(organisation)},
        )
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)
