"""Signed JSON posts to another system (the SMS gateway, the outbox's receivers): HMAC-SHA256
over "<timestamp>.<body>" with a shared secret, sent in the X-CareCert-Timestamp and
X-CareCert-Signature headers. The receiver recomputes it and may refuse an old timestamp."""

import hashlib
import hmac
import time


def hmac_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, timestamp: str | None = None) -> dict[str, str]:
    """The headers of one attempt: a fresh timestamp and its signature over the body."""
    timestamp = timestamp or str(int(time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-CareCert-Timestamp": timestamp,
        "X-CareCert-Signature": hmac_signature(secret, timestamp, body),
    }
