"""Ledger pages (D-8): a person's ledger for the staff who may see the person, and the
correction form for those who may correct an entry (its base's staff, a regulator of the
person's region, a system administrator)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from certification.access.hours import access_entry_for_correction, can_correct_hours
from certification.access.people import access_person
from certification.selectors.hours import person_ledger
from certification.services.hours import hours_correct


class CorrectionForm(forms.Form):
    hours = forms.DecimalField(
        label=gettext_lazy("更正学时（冲减）"), max_digits=5, decimal_places=1, min_value=0.1
    )
    reason = forms.CharField(label=gettext_lazy("更正原因"), max_length=255)


@never_cache
@login_required
def person_ledger_page(request, person_id: int):
    person = access_person(request.user, person_id, request=request)
    page = Paginator(person_ledger(person=person), 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.left = entry.hours + entry.corrected
        entry.correctable = (
            entry.corrects_id is None and entry.left > 0 and can_correct_hours(request.user, entry)
        )
    return render(request, "certification/hours/ledger.html", {"person": person, "page": page})


@never_cache
@login_required
def entry_correct(request, entry_id: int):
    entry = access_entry_for_correction(request.user, entry_id, request=request)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hours_correct(
                actor=request.user,
                entry=entry,
                hours=form.cleaned_data["hours"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已记录更正，原记录保留在台账中。"))
            return redirect("certification:person_ledger", person_id=entry.person_id)
    return render(request, "certification/hours/correct.html", {"entry": entry, "form": form})
