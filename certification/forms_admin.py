"""Forms of the province administration pages (issue 15): field checks only; the rules (check
character, scope, separation of duties) run in services/organisations.py and services/grants.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import Organisation, Region, StaffRole
from certification.models.staff import ORGANISATION_ROLES, REGION_ROLES
from certification.services.organisations import EDITABLE_FIELDS
from cms.models import CoursePage

DATE = forms.DateInput(attrs={"type": "date"})


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()
        # uniqueness and the check character are the service's to say, in one message each
        self.fields["credit_code"].validators = []

    def validate_unique(self):
        pass


class OrganisationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("运营状态"), choices=Organisation.Status.choices)
    reason = forms.CharField(label=_("原因"), max_length=200)


class AccreditationForm(forms.Form):
    courses = forms.ModelMultipleChoiceField(
        label=_("可认证课程"),
        queryset=CoursePage.objects.live().order_by("title"),
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateField(label=_("有效期起"), widget=DATE)
    valid_to = forms.DateField(label=_("有效期止"), widget=DATE)
    document_number = forms.CharField(label=_("认定文号"), max_length=64, required=False)


GRANTABLE = [(r.value, r.label) for r in StaffRole if r in ORGANISATION_ROLES | REGION_ROLES]


class GrantForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("邮箱"), required=False)
    # Checked (any usual spelling, mainland mobiles only) by the grant service.
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        help_text=_("填写邮箱或手机号之一；只填手机号时邀请以短信发送。"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=GRANTABLE)
    organisation = forms.ModelChoiceField(
        label=_("机构（机构管理员、基地工作人员）"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("地区（人社、卫健、管理员、审计）"), queryset=Region.objects.none(), required=False
    )

    def __init__(self, *args, organisations=None, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        if regions is not None:
            self.fields["region"].queryset = regions

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in ORGANISATION_ROLES:
            if not data.get("organisation"):
                self.add_error("organisation", _("该角色须选择所属机构。"))
            data["region"] = None
        elif role in REGION_ROLES:
            if not data.get("region"):
                self.add_error("region", _("该角色须选择所辖地区。"))
            data["organisation"] = None
        return data


class GrantRejectForm(forms.Form):
    reason = forms.CharField(label=_("不予通过的理由"), max_length=200)


class InvitationAcceptForm(forms.Form):
    email = forms.EmailField(label=_("登录邮箱"))
    password1 = forms.CharField(label=_("设置密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data

    def __init__(self, *args, ask_email: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_email:  # the invitation went to an e-mail address: that is the login
            del self.fields["email"]


class CalendarDayForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=DATE)
    is_working_day = forms.TypedChoiceField(
        label=_("当天"),
        choices=[("0", _("放假（非工作日）")), ("1", _("上班（工作日）"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("名称"), max_length=60, required=False)
