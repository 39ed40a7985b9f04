"""Per-key rate limits on the lookups an ID-number guesser would use (issue 13): person
create/lookup, ban checks and hiring. Limits are settings (read on every request, so a
deployment changes them without code); an exceeded limit answers 429 with a Chinese message
and an audit row (certification/api/errors.py)."""

from django.conf import settings
from ninja.throttling import SimpleRateThrottle


class KeyRateThrottle(SimpleRateThrottle):
    """At most `settings.<setting>` calls (e.g. "60/min") per API key for one group of
    operations; calls without a key are limited by address."""

    def __init__(self, scope: str, setting: str):
        self.scope = scope
        self.setting = setting
        super().__init__(rate=getattr(settings, setting))

    def allow_request(self, request) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str:
        key = getattr(request, "auth", None)
        ident = f"key:{key.pk}" if key is not None else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def lookups():
    return [KeyRateThrottle("api-lookup", "API_RATE_PERSON_LOOKUP")]


def ban_checks():
    return [KeyRateThrottle("api-ban-check", "API_RATE_BAN_CHECK")]
