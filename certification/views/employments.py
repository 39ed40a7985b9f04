"""Institution admins end an employment (离职, D-5), including a ban-flagged one (D-25)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from certification.access.employments import access_employment_for_change
from certification.services.employment_states import employment_end
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
