"""Staff safeguards enforced on every request (security baseline, issue 3).

Layering: cms is the bottom layer, so "is staff" is decided here without importing
certification: user.is_staff / is_superuser or the reverse relation `staff_memberships`.
"""

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

# Paths a staff user may reach before enrolling TOTP / changing an expired password.
_ALWAYS_ALLOWED = ("/accounts/", "/static/", "/media/", "/i18n/", "/favicon.ico")


# A learner's "no staff membership" is cached so their requests (a heartbeat every interval)
# skip the query; a membership saved or deleted drops the entry at once and again at commit
# (a request that read the old rows in between would have cached a stale answer). The TTL is
# the net for a change that sends no signal (a queryset update). Staff are never cached: the
# gate is checked against the database on each of their requests.
NOT_STAFF_TTL_SECONDS = 300


def _not_staff_key(user_pk) -> str:
    return f"mfa:not-staff:{user_pk}"


def is_staff_user(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    memberships = getattr(user, "staff_memberships", None)
    if memberships is None:
        return False
    key = _not_staff_key(user.pk)
    if cache.get(key):
        return False
    if hasattr(memberships.model, "is_active"):
        staff = memberships.filter(is_active=True).exists()
    else:
        staff = memberships.exists()
    if not staff:
        cache.set(key, True, NOT_STAFF_TTL_SECONDS)
    return staff


def staff_membership_changed(sender, instance, **kwargs) -> None:
    """Receiver (cms.apps) for saves and deletions of staff memberships."""
    key = _not_staff_key(instance.user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


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
