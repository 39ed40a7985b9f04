"""Session lifetime limits (security baseline) and refusal of NUL bytes in requests."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

_LOGIN_AT = "_carecert_login_at"
_SEEN_AT = "_carecert_seen_at"
# The last-seen time is rewritten only when it is this much older than now, so a busy session
# (a heartbeat every interval) is saved about once a minute rather than on every request. The
# idle limit is measured from the stored time, so a session may end up to this much early,
# never late.
SEEN_RESOLUTION_SECONDS = 60


class SessionTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT without requests or SESSION_ABSOLUTE_TIMEOUT
    after login, whichever comes first (idle measured to SEEN_RESOLUTION_SECONDS). Heartbeats
    count as activity: the learner is active."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(_LOGIN_AT, now)
            seen_at = session.get(_SEEN_AT, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - seen_at > idle or now - login_at > absolute:
                logout(request)
            elif now - seen_at >= SEEN_RESOLUTION_SECONDS or _SEEN_AT not in session:
                session[_SEEN_AT] = now
        return self.get_response(request)


def _has_nul(values) -> bool:
    return any("\x00" in v for v in values)


class RejectNulMiddleware:
    """A NUL byte in the path, the query or a form field can never be meaningful input, and
    PostgreSQL refuses it in text: answer 400 with a clear message instead of a 500 deep down.
    (JSON bodies are checked by the API schemas.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._hostile(request):
            message = _("请求中含有不允许的字符（NUL），请检查输入后重试。")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "bad_request", "message": message, "errors": []}, status=400
                )
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)

    @staticmethod
    def _hostile(request) -> bool:
        # A query string can carry NUL only percent-encoded, in a key or a value.
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            return _has_nul(v for values in request.POST.lists() for v in values[1]) or _has_nul(
                request.POST.keys()
            )
        return False
