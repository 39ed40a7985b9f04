"""Text messages (sign-up codes, invitations) through a pluggable backend, as Django sends
e-mail: SMS_BACKEND names a class with `send(phone, text)`.

- `cms.sms.LogBackend` (development, tests): writes the message to the "carecert.sms" log
  with the number masked; nothing leaves the machine.
- `cms.sms.HttpGatewayBackend` (production default): POSTs JSON to SMS_GATEWAY_URL, signed
  with HMAC-SHA256 over "<timestamp>.<body>" with SMS_GATEWAY_SECRET, the way provincial
  government SMS platforms and commercial gateways' HTTP interfaces take messages. Each message
  carries an id, so a gateway that honours it delivers a retried message once.
"""

import json
import logging
import time
import uuid

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from cms.webhooks import signed_headers

logger = logging.getLogger("carecert.sms")


class SmsError(Exception):
    pass


def masked(phone: str) -> str:
    return phone[-4:].rjust(11, "*")


class LogBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", masked(phone), text)


class HttpGatewayBackend:
    attempts = 3

    def send(self, phone: str, text: str) -> None:
        body = json.dumps(
            {"id": str(uuid.uuid4()), "phone": phone, "text": text}, ensure_ascii=False
        ).encode()
        last = ""
        for attempt in range(self.attempts):
            try:
                response = requests.post(
                    settings.SMS_GATEWAY_URL,
                    data=body,
                    headers=signed_headers(settings.SMS_GATEWAY_SECRET, body),
                    timeout=settings.SMS_GATEWAY_TIMEOUT,
                )
            except requests.RequestException as exc:
                last = type(exc).__name__
            else:
                if response.status_code < 300:
                    logger.info("SMS to %s accepted by the gateway", masked(phone))
                    return
                last = f"HTTP {response.status_code}"
                if response.status_code < 500:
                    break  # the gateway refused this message: retrying will not help
            time.sleep(0.2 * (attempt + 1))
        raise SmsError(f"SMS gateway did not take the message to {masked(phone)}: {last}")


def sms_send(phone: str, text: str) -> bool:
    """Send a text message; False (and an error in the log) when the gateway did not take it,
    so a sign-up or an invitation is never lost to an error page."""
    try:
        import_string(settings.SMS_BACKEND)().send(phone, text)
    except SmsError as exc:
        logger.error("%s", exc)
        return False
    return True
