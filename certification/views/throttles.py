"""Per-user rate limits on pages an ID-number guesser would use (issue 13), with the same
throttle as the API's per-key limits (django-ninja's SimpleRateThrottle). Limits are settings."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.throttling import SimpleRateThrottle

from certification.audit import audit_record, client_ip


class UserPageThrottle(SimpleRateThrottle):
    def __init__(self, scope: str, setting: str):
        self.scope = scope
        super().__init__(rate=getattr(settings, setting))

    def get_cache_key(self, request) -> str:
        # Visitors share no bucket: each anonymous client is limited by its address.
        if request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def refuse_if_too_frequent(request, *, scope: str, setting: str):
    """None while the user is within the limit; otherwise an audited 429 page."""
    if UserPageThrottle(scope, setting).allow_request(request):
        return None
    audit_record(
        actor=request.user,
        action="page.rate_limited",
        data={"scope": scope, "path": request.path[:200]},
        ip=client_ip(request),
    )
    response = render(request, "429.html", {"message": _("查询过于频繁，请稍后再试。")}, status=429)
    response["Retry-After"] = "60"
    return response
