"""allauth glue: phone login storage, console SMS in embedded mode, the sign-up form."""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("carecert.sms")


class CareCertAccountAdapter(DefaultAccountAdapter):
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
        from cms.models import User

        return User.objects.filter(phone=phone).order_by("-phone_verified").first()

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs):
        # Embedded mode: no SMS gateway. The code goes to the log (never the ID number).
        logger.info("SMS to %s: CareCert verification code %s", phone[-4:].rjust(11, "*"), code)


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(label=_("姓名"), max_length=64)

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])
        return user


def axes_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: allauth authenticates with credentials {"email": …} or
    {"phone": …}, not "login", so axes' default lookup saw no username and never locked.
    One account = one lockout key: the e-mail (lower-cased) or the phone as typed."""
    credentials = credentials or {}
    for key in ("email", "phone", "login", "username"):
        value = credentials.get(key)
        if value:
            return str(value).strip().lower()
    if request is not None and request.method == "POST":
        value = request.POST.get("login")
        if value:
            return value.strip().lower()
    return None
