"""Forms of the policy-table pages (certification.rules.policy_tables). Built from the model's
own fields, so labels and choices have one source; field checks only — the rule checks live in
certification.rules.policy_tables and run in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import Region

DATE_FIELDS = ("effective_from", "effective_to", "programme_start")


class DayListField(forms.CharField):
    """Reminder days typed as "180, 90, 30" (D-14), kept as a list of integers."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = (super().to_python(value) or "").replace("，", ",")
        try:
            return [int(part) for part in text.split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("请填写以逗号分隔的天数，例如 180, 90, 30。")) from exc


def _form_field(model, name: str):
    model_field = model._meta.get_field(name)
    if name == "reminder_days":
        return DayListField(label=model_field.verbose_name, required=False)
    field = model_field.formfield()
    if name in DATE_FIELDS:
        field.widget = forms.DateInput(attrs={"type": "date"})
    return field


def policy_version_form(table, *, creating: bool, regions=None, **kwargs) -> forms.Form:
    """The form for a new row of `table` (region and the series' key fields too) or for a new
    version of an existing row (values and dates only)."""
    names = ([*table.key_fields] if creating else []) + list(table.version_fields)
    fields = {name: _form_field(table.model, name) for name in names}
    if creating:
        fields = {
            "region": forms.ModelChoiceField(
                label=_("适用地区"),
                queryset=regions if regions is not None else Region.objects.none(),
            ),
            **fields,
        }
    form_class = type(f"{table.model.__name__}VersionForm", (forms.Form,), fields)
    return form_class(**kwargs)


class PolicyEndForm(forms.Form):
    effective_to = forms.DateField(
        label=_("失效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
