"""allauth glue: phone login storage, console SMS in embedded mode, the sign-up form.

Mobile numbers: CareCert accepts mainland-China mobile numbers only (11 digits, 1[3-9]…) — the
SMS gateway is domestic and the users are China's childcare workforce. People type them as
"13800001234", "138 0000 1234", "+86 138-0000-1234", "8613800001234" or "0086…" (full-width
digits too); all are stored in E.164, "+8613800001234". Anything else (another country's
number, a landline, a typo) is refused with a Chinese message, at sign-up, on phone change and
when logging in by phone."""

import logging
import re
import time
import unicodedata

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.core import context, ratelimit
from allauth.core.exceptions import RateLimited
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms.models import User
from cms.sms import sms_send

logger = logging.getLogger("carecert.sms")

_SEPARATORS = re.compile(r"[\s\-.()]")
_CN_MOBILE = re.compile(r"^(?:\+86|0086|86)?(1[3-9]\d{9})$")

INVALID_PHONE = _("请输入有效的中国大陆手机号（11 位数字，以 1 开头），例如 13800001234。")
SMS_TOO_SOON = _("验证码短信发送过于频繁，请稍等 1 分钟后再提交。")


def normalize_cn_mobile(value) -> str | None:
    """ "+86" + the 11 digits for a mainland mobile number typed in any usual way; else None."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value or "")))
    match = _CN_MOBILE.match(text)
    return f"+86{match.group(1)}" if match else None


def sign_in_after_setting_password(request, user) -> None:
    """Sign in a user who has just chosen their password on one of our pages (an invitation):
    recorded as a password sign-in, so the two-step setup that follows does not ask for it
    again."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    record_authentication(request, user, method="password", email=user.email)


def signed_in_within(request, seconds: int) -> bool:
    """Whether this session's user proved who they are (password, code, …) in the last
    `seconds`, by allauth's own record of authentications in the session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return bool(records) and time.time() - records[-1].get("at", 0) < seconds


class CareCertAccountAdapter(DefaultAccountAdapter):
    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Ask for the password again only when the last sign-in is older than the
        re-authentication window: straight after logging in, enrolling two-step or changing
        an address does not ask twice (issue 17)."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not signed_in_within(context.request, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)

    def phone_form_field(self, **kwargs):
        # allauth's field insists on E.164 before clean_phone runs; clean_phone validates instead.
        kwargs.setdefault("validators", [])
        field = super().phone_form_field(**kwargs)
        field.widget.attrs["placeholder"] = _("手机号，如 13800001234")
        return field

    def clean_phone(self, phone: str) -> str:
        normalized = normalize_cn_mobile(phone)
        if normalized is None:
            raise forms.ValidationError(INVALID_PHONE, code="invalid_phone")
        return normalized

    def get_phone(self, user):
        if user.phone:
            return user.phone, user.phone_verified
        return None

    def set_phone(self, user, phone: str, verified: bool):
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def set_phone_verified(self, user, phone):
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone):
        """Login passes the number as typed ("13800001234"); stored numbers are E.164."""

        normalized = normalize_cn_mobile(phone)
        if normalized is None:
            return None
        return (
            User.objects.filter(phone__in=[normalized, normalized[3:]])  # bare: legacy rows
            .order_by("-phone_verified")
            .first()
        )

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys its per-account "login_failed" limit on email/username only, so every
        # phone login shared one empty key (5 failures anywhere blocked all phone logins).
        phone = credentials.get("phone")
        if phone and not credentials.get("email"):
            return super()._get_login_attempts_cache_key(
                request, username=normalize_cn_mobile(phone) or str(phone)
            )
        return super()._get_login_attempts_cache_key(request, **credentials)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs):
        sms_send(phone, f"CareCert verification code {code}")


def _sms_allowed(phone: str) -> bool:
    """Would allauth's "verify_phone" limit (one SMS per number per 30 s, 3 a minute per IP)
    let a code go to this number now? Checked without consuming."""
    request = context.request
    return request is None or ratelimit.consume(
        request, action="verify_phone", key=phone, dry_run=True
    )


class SignupForm(AllauthSignupForm):
    """The sign-up form. A number that was sent a code less than 30 s ago (a double-clicked
    form, or a second sign-up with a registered number) gets "wait 30 s" on the form instead of
    allauth's uncaught RateLimited (HTTP 500). The check looks only at when the last SMS went,
    the same for registered and new numbers, so it does not tell whether a number has an account
    (allauth's enumeration prevention)."""

    display_name = forms.CharField(label=_("姓名"), max_length=64)

    def clean(self):
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        if phone and "phone" not in self.errors and not _sms_allowed(phone):
            self.add_error("phone", SMS_TOO_SOON)
        return cleaned_data

    def try_save(self, request):
        try:
            return super().try_save(request)
        except RateLimited:
            # Two submissions racing past clean(): answer like clean() would have, never a 500.
            messages.error(request, SMS_TOO_SOON)
            return None, HttpResponseRedirect(reverse("account_signup"))

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])
        return user


def axes_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: allauth authenticates with credentials {"email": …} or
    {"phone": …}, not "login", so axes' default lookup saw no username and never locked.
    One account = one lockout key: the e-mail (lower-cased) or the phone in E.164, however it
    was typed ("13800001234" and "+86 138 0000 1234" share one lockout)."""
    credentials = credentials or {}
    for key in ("email", "phone", "login", "username"):
        value = credentials.get(key)
        if value:
            return normalize_cn_mobile(value) or str(value).strip().lower()
    if request is not None and request.method == "POST":
        value = request.POST.get("login")
        if value:
            return normalize_cn_mobile(value) or value.strip().lower()
    return None
