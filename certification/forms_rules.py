"""Forms of the requirement-rule pages (D-6, D-15). Field checks only; the rule checks live in
certification.rules.requirements and run in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import Region
from cms.choices import WorkerRole


def _hours(label, required=True):
    return forms.DecimalField(
        label=label, max_digits=5, decimal_places=1, min_value=0, required=required
    )


class RequirementRuleRevisionForm(forms.Form):
    """The numbers and dates of a rule version (role and region stay those of the rule)."""

    total_hours = _hours(_("周期总学时"))
    theory_min = _hours(_("理论学时下限"))
    practice_min = _hours(_("实操学时下限"))
    cycle_years = forms.IntegerField(label=_("周期年数"), min_value=1, initial=5)
    yearly_min_hours = _hours(_("每年在岗培训学时（空为不要求）"), required=False)
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("依据/说明"), max_length=255, required=False)


class RequirementRuleForm(RequirementRuleRevisionForm):
    role = forms.ChoiceField(label=_("岗位"), choices=WorkerRole.choices)
    region = forms.ModelChoiceField(label=_("适用地区"), queryset=Region.objects.none())

    field_order = ["role", "region"]

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()


class RequirementRuleEndForm(forms.Form):
    effective_to = forms.DateField(
        label=_("失效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
