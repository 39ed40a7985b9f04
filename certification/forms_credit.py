"""Forms of the credit file (D-38) and of a revocation for fraud."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.idnumbers import IdType
from certification.models import CreditRecord, Organisation, Region

DATE = forms.DateInput(attrs={"type": "date"})


class CreditRecordForm(forms.Form):
    """Manual entry: an organisation, or a person named by ID number and name."""

    subject_kind = forms.ChoiceField(
        label=_("对象类型"), choices=CreditRecord.SubjectKind.choices, widget=forms.RadioSelect
    )
    organisation = forms.ModelChoiceField(
        label=_("机构"), queryset=Organisation.objects.none(), required=False
    )
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("类别"), choices=CreditRecord.Kind.choices)
    decision_number = forms.CharField(label=_("决定文号"), max_length=64)
    authority = forms.CharField(label=_("决定机关"), max_length=128)
    decision_date = forms.DateField(label=_("决定日期"), widget=DATE)
    summary = forms.CharField(label=_("事由摘要"), widget=forms.Textarea, required=False)
    region = forms.ModelChoiceField(label=_("登记地区"), queryset=Region.objects.none())

    def __init__(self, *args, regions=None, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()
        self.fields["organisation"].queryset = (
            organisations if organisations is not None else Organisation.objects.none()
        )

    def clean(self):
        data = super().clean()
        if data.get("subject_kind") == CreditRecord.SubjectKind.ORGANISATION:
            if not data.get("organisation"):
                self.add_error("organisation", _("请选择机构。"))
        elif data.get("subject_kind") == CreditRecord.SubjectKind.PERSON:
            data["organisation"] = None
            for field in ("name", "id_number"):
                if not data.get(field):
                    self.add_error(field, _("登记个人须填写此项。"))
        return data


class CreditAnnulForm(forms.Form):
    decision_number = forms.CharField(label=_("更正依据文号"), max_length=64)
    authority = forms.CharField(label=_("决定机关"), max_length=128)
    decision_date = forms.DateField(label=_("决定日期"), widget=DATE)
    summary = forms.CharField(label=_("撤销更正原因"), widget=forms.Textarea)


class CertificateRevokeForm(forms.Form):
    """A revocation; for fraud (证书造假 / 虚假培训) also the decision behind it (D-38)."""

    ORDINARY = "ordinary"
    REASON_KINDS = [
        (ORDINARY, _("一般撤销（信息有误、误发等）")),
        (CreditRecord.Kind.CERTIFICATE_FRAUD.value, _("证书造假（记入持证人诚信档案）")),
        (
            CreditRecord.Kind.FALSE_TRAINING.value,
            _("虚假培训（记入持证人和发证基地诚信档案）"),
        ),
    ]

    reason = forms.CharField(label=_("撤销原因"), max_length=255)
    reason_kind = forms.ChoiceField(
        label=_("撤销事由类别"), choices=REASON_KINDS, initial=ORDINARY, required=False
    )
    decision_number = forms.CharField(label=_("决定文号"), max_length=64, required=False)
    authority = forms.CharField(label=_("决定机关"), max_length=128, required=False)
    decision_date = forms.DateField(label=_("决定日期"), widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        data["reason_kind"] = data.get("reason_kind") or self.ORDINARY
        if data["reason_kind"] != self.ORDINARY:
            for field in ("decision_number", "authority", "decision_date"):
                if not data.get(field):
                    self.add_error(field, _("因造假撤销须填写此项。"))
        return data

    @property
    def is_fraud(self) -> bool:
        return self.cleaned_data.get("reason_kind", self.ORDINARY) != self.ORDINARY


class SubsidyFraudForm(forms.Form):
    """撤销补贴（骗取）: the decision behind it, recorded in the credit file (D-38)."""

    decision_number = forms.CharField(label=_("决定文号"), max_length=64)
    authority = forms.CharField(label=_("决定机关"), max_length=128)
    decision_date = forms.DateField(label=_("决定日期"), widget=DATE)
    reason = forms.CharField(label=_("骗取补贴的事实"), widget=forms.Textarea)
