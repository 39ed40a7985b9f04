"""Forms of the outbox pages (D-40): field checks only; the address rule (https) and the
secret's length are the receiver service's to say."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import DeliveryStatus, EventType, Region


class ReceiverForm(forms.Form):
    name = forms.CharField(label=_("接收方名称"), max_length=128)
    url = forms.CharField(
        label=_("接收地址"),
        max_length=500,
        help_text=_("须为 https 地址，如 https://tuoyu.example.gov.cn/api/events"),
    )
    # Write-only: never rendered back, blank on edit keeps the stored secret.
    secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("双方约定的 HMAC-SHA256 密钥，至少 16 个字符；保存后不再显示。"),
    )
    event_types = forms.MultipleChoiceField(
        label=_("推送的事件"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    region = forms.ModelChoiceField(
        label=_("数据范围"),
        queryset=Region.objects.filter(level="province", is_active=True).order_by("code"),
        required=False,
        empty_label=_("全国"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["secret"].help_text = _("留空则保留原密钥；填写则替换。")


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("待推送和推送失败")),
            (DeliveryStatus.DEAD, DeliveryStatus.DEAD.label),
            (DeliveryStatus.PENDING, DeliveryStatus.PENDING.label),
        ],
    )
