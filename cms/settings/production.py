"""Production: PostgreSQL, a real Celery broker, secrets from the environment, strict headers."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AUDIT_CHAIN_KEY, CELERY_BROKER_URL, PII_INDEX_KEY, PII_KEYS
from .env import env_int, env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not PII_KEYS or not PII_INDEX_KEY:
    raise ImproperlyConfigured("PII_KEYS and PII_INDEX_KEY must be set in production")
if not AUDIT_CHAIN_KEY:
    raise ImproperlyConfigured("AUDIT_CHAIN_KEY (the audit chain's HMAC key) must be set")
if CELERY_BROKER_URL == "memory://":
    raise ImproperlyConfigured("CELERY_BROKER_URL must point at a real broker in production")
if not env_str("CACHE_URL", ""):
    raise ImproperlyConfigured(
        "CACHE_URL (redis://…) must be set in production: job progress "
        "is shared between web and worker processes through the cache"
    )

# Certificate PDFs carry the issuing authority's seal, never the development demo CA's.
for _name in ("SEAL_CERT_FILE", "SEAL_KEY_FILE", "SEAL_TRUST_ROOT_FILE"):
    if not env_str(_name, ""):
        raise ImproperlyConfigured(f"{_name} must be set in production (certificate seal)")

# Certificate QR codes carry this address for life: never the development default.
SITE_BASE_URL = env_str("SITE_BASE_URL")
if not SITE_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("SITE_BASE_URL must be the public https:// address of the site")

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_HTTPONLY = True
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
SMS_BACKEND = env_str("SMS_BACKEND", "cms.sms.HttpGatewayBackend")
if SMS_BACKEND == "cms.sms.HttpGatewayBackend" and not (
    env_str("SMS_GATEWAY_URL", "").startswith("https://") and env_str("SMS_GATEWAY_SECRET", "")
):
    raise ImproperlyConfigured(
        "SMS_GATEWAY_URL (https://…) and SMS_GATEWAY_SECRET must be set in production: "
        "sign-up codes and invitations go by text message"
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
