"""Text messages leave through the configured gateway (cms/sms.py): JSON signed with
HMAC-SHA256, retried on a gateway error, never an error page when the gateway is down — the
sign-up still completes and the failure is in the log. A real HTTP server on loopback stands
in for the provincial SMS platform."""

import hashlib
import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.cache import cache
from django.urls import reverse

from cms.models import User
from cms.sms import sms_send

SECRET = "gateway-secret-2026"


class Gateway(HTTPServer):
    def __init__(self, replies):
        super().__init__(("127.0.0.1", 0), Handler)
        self.replies = list(replies)
        self.received = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/send"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        status = self.server.replies.pop(0) if self.server.replies else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings, request):
    server = Gateway(getattr(request, "param", []))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_BACKEND = "cms.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_TIMEOUT = 2
    yield server
    server.shutdown()


def test_a_message_is_posted_signed_and_its_signature_checks_out(gateway):
    assert sms_send("+8613800001234", "CareCert verification code 123456") is True
    ((headers, body),) = gateway.received
    message = json.loads(body)
    assert message["phone"] == "+8613800001234" and "123456" in message["text"] and message["id"]
    expected = hmac.new(
        SECRET.encode(), headers["X-CareCert-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-CareCert-Signature"] == expected


@pytest.mark.parametrize("gateway", [[503, 200]], indirect=True)
def test_a_gateway_error_is_retried_with_the_same_message_id(gateway):
    assert sms_send("+8613800001234", "hello") is True
    first, second = (json.loads(body)["id"] for _headers, body in gateway.received)
    assert first == second  # a gateway that honours the id delivers it once


@pytest.mark.parametrize("gateway", [[503, 503, 503]], indirect=True)
@pytest.mark.django_db
def test_sign_up_completes_when_the_gateway_is_down_and_the_log_says_why(client, gateway, caplog):
    cache.clear()
    caplog.set_level(logging.INFO, logger="carecert.sms")
    response = client.post(
        reverse("account_signup"),
        {
            "email": "qian@example.test",
            "phone": "13800001234",
            "display_name": "钱保育",
            "password1": "Phone-signup-2026",
            "password2": "Phone-signup-2026",
        },
    )
    assert response.status_code == 302  # to the code page, where "send again" is offered
    assert User.objects.filter(email="qian@example.test").exists()
    assert len(gateway.received) == 3
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("*******1234" in e and "HTTP 503" in e for e in errors)
    assert all("13800001234" not in r.getMessage() for r in caplog.records)
