"""Session lifetime limits (security baseline): idle and absolute timeouts."""

import time

from django.conf import settings
from django.contrib.auth import logout

_LOGIN_AT = "_carecert_login_at"
_SEEN_AT = "_carecert_seen_at"


class SessionTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT without requests or SESSION_ABSOLUTE_TIMEOUT
    after login, whichever comes first. Heartbeats count as activity: the learner is active."""

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
            else:
                session[_SEEN_AT] = now
        return self.get_response(request)
