"""The filter bar of the 持证上岗 list (D-37)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import WORK_CERTIFICATE_ROLES
from certification.rules.work_certificates import (
    HOLDS,
    PAST_GRACE,
    STATUS_LABELS,
    WITHIN_GRACE,
)

ANY = [("", _("全部"))]


class WorkCertificateFilterForm(forms.Form):
    org = forms.ChoiceField(label=_("机构"), required=False)
    role = forms.ChoiceField(
        label=_("岗位"),
        required=False,
        choices=ANY + [(r.value, r.label) for r in WORK_CERTIFICATE_ROLES],
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=ANY + [(s, STATUS_LABELS[s]) for s in (PAST_GRACE, WITHIN_GRACE, HOLDS)],
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        if len(institutions) > 1:
            self.fields["org"].choices = ANY + [(str(o.pk), o.name) for o in institutions]
        else:
            del self.fields["org"]
