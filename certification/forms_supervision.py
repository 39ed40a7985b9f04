"""Forms of training-base supervision (D-39)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification.models import AccreditationDecision


class AccreditationDecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("决定"), choices=AccreditationDecision.Action.choices)
    decision_number = forms.CharField(label=_("决定文号"), max_length=64)
    decided_on = forms.DateField(
        label=_("决定日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, actions=None, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        if actions is not None:
            self.fields["action"].choices = [
                c for c in AccreditationDecision.Action.choices if c[0] in actions
            ]
