"""Forms of the certificate pages: recording and importing skill-level certificates (D-19)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.idnumbers import IdType
from certification.models import Occupation, SkillLevel


class SkillCertificateForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT
    )
    id_number = forms.CharField(
        label=_("证件号码"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    occupation = forms.ChoiceField(label=_("职业"), choices=Occupation.choices)
    level = forms.TypedChoiceField(label=_("等级"), choices=SkillLevel.choices, coerce=int)
    external_number = forms.CharField(label=_("证书编号"), max_length=64)
    issuer_name = forms.CharField(label=_("发证机构"), max_length=128)
    issue_date = forms.DateField(
        label=_("发证日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class SkillCertificateImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class VerifySearchForm(forms.Form):
    """Public certificate look-up by number and holder's name (no login)."""

    serial = forms.CharField(
        label=_("证书编号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "TC-2026-000123"}),
    )
    name = forms.CharField(label=_("持证人姓名"), max_length=64)

    def clean_serial(self):
        return self.cleaned_data["serial"].strip().upper()
