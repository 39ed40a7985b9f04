"""Production settings refuse to start with a certificate QR base that is not the public https
address (issue 17: QR codes pointed at port 8000 whenever SITE_BASE_URL was unset), or without
the seal certificate that certificate PDFs are signed with (issue 19)."""

import os
import subprocess
import sys

import pytest

ENV = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "PII_KEYS": "k1:" + "A" * 43 + "=",
    "PII_INDEX_KEY": "0" * 64,
    "AUDIT_CHAIN_KEY": "0" * 64,
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "DJANGO_ALLOWED_HOSTS": "carecert.example.cn",
    "SEAL_CERT_FILE": "/etc/carecert/seal.pem",
    "SEAL_KEY_FILE": "/etc/carecert/seal.key",
    "SEAL_TRUST_ROOT_FILE": "/etc/carecert/root.pem",
    "SMS_GATEWAY_URL": "https://sms.example.cn/send",
    "SMS_GATEWAY_SECRET": "s" * 32,
}


def _load(**extra):
    env = {k: v for k, v in os.environ.items() if k != "SITE_BASE_URL"} | ENV | extra
    code = "from django.conf import settings; print(settings.SITE_BASE_URL)"
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings.production"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("value", [None, "http://127.0.0.1:8000"])
def test_production_refuses_a_missing_or_plain_http_site_url(value):
    result = _load(**({"SITE_BASE_URL": value} if value else {}))
    assert result.returncode != 0 and "SITE_BASE_URL" in result.stderr


def test_production_takes_the_configured_https_site_url():
    result = _load(SITE_BASE_URL="https://carecert.example.cn")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://carecert.example.cn"


def test_production_refuses_to_seal_certificates_with_the_demo_ca():
    result = _load(SITE_BASE_URL="https://carecert.example.cn", SEAL_CERT_FILE="")
    assert result.returncode != 0 and "SEAL_CERT_FILE" in result.stderr


def test_production_refuses_to_start_without_an_sms_gateway():
    result = _load(SITE_BASE_URL="https://carecert.example.cn", SMS_GATEWAY_URL="")
    assert result.returncode != 0 and "SMS_GATEWAY_URL" in result.stderr
