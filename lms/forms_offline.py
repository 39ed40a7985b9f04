from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.idnumbers import IdType
from certification.models import Organisation
from certification.models.assessments import AssessmentKind
from cms.choices import HourKind
from cms.models.pages import CoursePage
from lms.models import ClassSession


class ClassSessionForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = [
            "training_base",
            "course",
            "title",
            "starts_at",
            "ends_at",
            "hours",
            "hour_kind",
            "place",
            "capacity",
            "instructors",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args, base_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_base"].queryset = Organisation.objects.filter(pk__in=base_ids)
        self.fields["training_base"].label = _("培训基地")
        self.fields["course"].queryset = CoursePage.objects.live().order_by("code")
        self.fields["course"].label = _("课程")
        self.fields["hours"].min_value = Decimal("0.1")
        self.fields["hour_kind"].choices = HourKind.choices
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        return data


class EnrolForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=40)


class RosterUploadForm(forms.Form):
    # Size, type and content are checked by certification.spreadsheets, as for every import.
    file = forms.FileField(label=_("名单文件（.xlsx）"))


class MarkForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    present = forms.TypedChoiceField(coerce=lambda v: v == "1", choices=[("1", "1"), ("0", "0")])


class AssessmentResultForm(forms.Form):
    """D-16: an offline theory test or practical assessment, scored out of 100. Whether it is
    a pass is decided by the course's pass mark, never typed in by staff."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("考核类别"), choices=AssessmentKind.choices)
    score = forms.DecimalField(
        label=_("成绩"), max_digits=4, decimal_places=1, min_value=0, max_value=100
    )
