from django import forms
from django.utils.translation import gettext_lazy as _

from certification.idnumbers import IdType


class ClaimPersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT
    )
    id_number = forms.CharField(
        label=_("证件号码"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    consent = forms.BooleanField(
        label=_(
            "我同意平台为核验身份、记录学时和发放证书之目的处理我的身份证件号码"
            "（敏感个人信息，加密存储，仅授权人员可查看）。"
        ),
        required=True,
    )
