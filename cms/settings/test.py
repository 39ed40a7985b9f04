"""pytest settings: fast hashing, in-memory e-mail, eager Celery unless a broker is given."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, CONTENT_SECURITY_POLICY, MIDDLEWARE  # noqa: F401

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Fixed throwaway keys so tests are deterministic; production refuses to start without real ones.
PII_KEYS = ["t1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="]
PII_INDEX_KEY = "test-index-key-not-secret-0123456789"
AUDIT_CHAIN_KEY = "test-audit-chain-key-not-secret-0123"
# Each test gets its own checkpoint file (tests/conftest.py), as each gets a clean table.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
PRIVATE_STORAGE_ROOT = BASE_DIR / "var" / "test-private"
LEARNING_HEARTBEAT_SECONDS = 2
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Other areas' tests log staff in with force_login; the MFA gate is tested on its own
# (tests/security/test_mfa.py switches it on).
MFA_REQUIRED_FOR_STAFF = False

# Per-process memory cache, whatever CACHE_URL says: rate limits and job progress must not
# carry over from one test (or one run) to the next.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Two runs on one machine at once (two checkouts, or two people in one) each need their own
# test database: CARECERT_TEST_DB_NAME names it; pytest-xdist adds its worker suffix.
if os.environ.get("CARECERT_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["CARECERT_TEST_DB_NAME"]}  # noqa: F405

# The outbox tests post to a receiver on loopback over plain http (production requires https).
OUTBOX_ALLOW_LOOPBACK_HTTP = True
