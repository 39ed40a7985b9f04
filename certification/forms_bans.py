"""Forms of the ban area (D-22, D-23)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.idnumbers import IdType
from certification.models import BanEntry, Region
from cms.choices import WorkerRole


class BanEntryForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=40)
    region = forms.ModelChoiceField(label=_("登记地区"), queryset=Region.objects.none())
    ban_type = forms.ChoiceField(label=_("禁入类型"), choices=BanEntry.BanType.choices)
    term_start = forms.DateField(label=_("禁业起始"), required=False)
    term_end = forms.DateField(label=_("禁业截止"), required=False)
    reason_category = forms.ChoiceField(label=_("事由类别"), choices=BanEntry.Reason.choices)
    reason_detail = forms.CharField(label=_("事由说明"), widget=forms.Textarea, required=False)
    decision_number = forms.CharField(label=_("决定文书号"), max_length=64)
    authority = forms.CharField(label=_("决定机关"), max_length=128)
    effective_date = forms.DateField(label=_("生效日期"))
    institution_name = forms.CharField(label=_("相关机构"), max_length=128, required=False)
    involvement = forms.ChoiceField(label=_("涉事身份"), choices=BanEntry.Involvement.choices)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()


class BanAnnulForm(forms.Form):
    decision_number = forms.CharField(label=_("撤销依据文书号"), max_length=64)
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea)


class BanImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    region = forms.ModelChoiceField(label=_("登记地区"), queryset=Region.objects.none())

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()


class HiringCheckForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=40)


class HiringEmploymentForm(forms.Form):
    role = forms.ChoiceField(label=_("岗位"), choices=WorkerRole.choices)
    start_date = forms.DateField(label=_("入职日期"))
    has_labour_contract = forms.BooleanField(
        label=_("已签订劳动合同"), required=False, initial=True
    )
    ui_contribution_months = forms.IntegerField(label=_("失业保险缴费月数"), min_value=0, initial=0)
