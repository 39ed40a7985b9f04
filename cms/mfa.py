"""Staff safeguards enforced on every request (security baseline, issue 3).

Layering: cms is the bottom layer, so "is staff" is decided here without importing
certification: user.is_staff / is_superuser or the reverse relation `staff_memberships`.
"""

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

# Paths a staff user may reach before enrolling TOTP / changing an expired password.
_ALWAYS_ALLOWED = ("/accounts/", "/static/", "/media/", "/i18n/", "/favicon.ico")


def is_staff_user(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    memberships = getattr(user, "staff_memberships", None)
    if memberships is None:
        return False
    if hasattr(memberships.model, "is_active"):
        return memberships.filter(is_active=True).exists()
    return memberships.exists()


def has_totp(user) -> bool:

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffSecurityMiddleware:
    """1. a deactivated user's remaining sessions end at their next request;
    2. staff without a TOTP authenticator are sent to enrolment (MFA_REQUIRED_FOR_STAFF);
    3. staff whose password is older than STAFF_PASSWORD_MAX_AGE_DAYS must change it;
    4. every response to an authenticated user carries Cache-Control: no-store (personal data).
    Must sit after AuthenticationMiddleware; covers /cms-admin/ as well as the site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        authenticated = bool(user and user.is_authenticated)
        if authenticated and not user.is_active:
            logout(request)
            authenticated = False
        if authenticated:
            response = self._staff_gate(request, user)
            if response is not None:
                return response
        response = self.get_response(request)
        if authenticated or (getattr(request, "user", None) and request.user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response

    def _staff_gate(self, request, user):
        if request.path.startswith(_ALWAYS_ALLOWED) or not is_staff_user(user):
            return None
        if getattr(settings, "MFA_REQUIRED_FOR_STAFF", True) and not has_totp(user):
            return redirect(reverse("mfa_activate_totp"))
        max_age = timedelta(days=settings.STAFF_PASSWORD_MAX_AGE_DAYS)
        if user.password_changed_at and timezone.now() - user.password_changed_at > max_age:
            return redirect(reverse("account_change_password"))
        return None
