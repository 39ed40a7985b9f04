"""D-40 rules of the outbox, without the database: where a receiver may be, and how long a
failed delivery waits before its next attempt."""

import datetime as dt
import ipaddress
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

MAX_BACKOFF = dt.timedelta(hours=6)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def receiver_url_problem(url: str, *, allow_loopback_http: bool) -> str:
    """Why a receiver cannot be at `url`, or "". Personal data leaves only over https; plain
    http is accepted only to this machine and only where the setting allows it (dev, tests)."""
    parts = urlsplit(url or "")
    if not parts.hostname:
        return _("请填写完整的接收地址。")
    if parts.scheme == "https":
        return ""
    if parts.scheme == "http" and allow_loopback_http and _is_loopback(parts.hostname):
        return ""
    return _("接收地址须使用 https。")


def retry_delay(attempts: int, *, base_seconds: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2×base, 4×base, … at most 6 h."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(dt.timedelta(seconds=base_seconds * 2**exponent), MAX_BACKOFF)
