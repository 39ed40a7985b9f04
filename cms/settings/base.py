"""Settings shared by every mode. Values come from the environment (see README, "Configuration")."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cms import embedded_db

from .env import env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent.parent
load_dotenv(BASE_DIR / ".env")

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-insecure-change-me-carecert-0123456789abcdef")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cms",
    "certification",
    "lms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "import_export",
    "django_celery_beat",
    "pgtrigger",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.middleware.RejectNulMiddleware",
    "cms.middleware.SessionTimeoutMiddleware",
    "cms.mfa.StaffSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "certification.middleware.RefusalAuditMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
            "builtins": ["cms.templatetags.carecert_format"],
        },
    },
]

# Database: PostgreSQL everywhere. DATABASE_URL (production, CI) wins; without it, the
# project-local server that `make` starts under var/postgres/ (cms/embedded_db.py).
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
            # a persistent connection the server dropped (restart, failover) is replaced
            # before a request uses it, not reported as a 500
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
else:
    DATABASES = {"default": embedded_db.django_database()}
# A streaming replica for reads that tolerate lag (cms/db_router.py); writes stay on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests start their own replica
DATABASE_ROUTERS = ["cms.db_router.PrimaryReplicaRouter"]
# Behind PgBouncer in transaction pooling (the documented deployment) each transaction may run
# on another server connection: a server-side cursor (QuerySet.iterator outside a transaction)
# would be gone by its next fetch. Our locks are transaction-scoped (pg_advisory_xact_lock) and
# psycopg prepares no statements (prepare_threshold None), so nothing else depends on a session.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
if DATABASE_TRANSACTION_POOLING:
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cms.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "cms.passwords.MaximumLengthValidator"},
    {"NAME": "cms.passwords.StaffComplexityValidator"},
    {"NAME": "cms.passwords.PasswordHistoryValidator"},
]

# --- Internationalisation: Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["cms.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "cms" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Certificates and imports hold personal data: kept outside MEDIA_ROOT, served only by views.
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", str(BASE_DIR / "var" / "private")))
# Certificate PDFs are sealed (PAdES, certification/seals.py) with this certificate and key, the
# chain up to the trust root verifiers use. Unset in development: a demo CA is made under
# PRIVATE_STORAGE_ROOT/seal/. Production refuses to start without them.
SEAL_CERT_FILE = env_str("SEAL_CERT_FILE", "")
SEAL_KEY_FILE = env_str("SEAL_KEY_FILE", "")
SEAL_CHAIN_FILES = [p for p in env_str("SEAL_CHAIN_FILES", "").split(",") if p]
SEAL_TRUST_ROOT_FILE = env_str("SEAL_TRUST_ROOT_FILE", "")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Excel imports (certification/spreadsheets.py): refused past these limits, by content not name.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# The zip's declared uncompressed size (zip bombs), and the shared-strings part, which openpyxl
# holds in memory whole.
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 160 * 1024 * 1024)
IMPORT_MAX_SHARED_STRINGS_BYTES = env_int("IMPORT_MAX_SHARED_STRINGS_BYTES", 32 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
# Bigger uploads are never parsed in the request: an ImportJob in Celery with a progress page.
IMPORT_ASYNC_BYTES = env_int("IMPORT_ASYNC_BYTES", 256 * 1024)
IMPORT_ASYNC_ROWS = env_int("IMPORT_ASYNC_ROWS", 200)

# --- Wagtail
WAGTAIL_SITE_NAME = "CareCert 托育从业人员培训认证平台"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False  # passwords change through allauth (policy, history)
WAGTAILADMIN_LOGIN_URL = "account_login"
SITE_BASE_URL = env_str("SITE_BASE_URL", "http://127.0.0.1:8000")

# --- Accounts (django-allauth): email or mobile number, verified email, TOTP MFA.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
# Mobile numbers: mainland China only, typed with or without +86 / spaces / hyphens, stored
# E.164 (cms.accounts.CareCertAccountAdapter.clean_phone). allauth's "verify_phone" rate limit
# (1 SMS per number per 30 s, 3 per minute per IP) stays at its default; the sign-up form answers
# it with "wait" instead of a 500 (cms.accounts.SignupForm).
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
# Six digits, as every Chinese service texts them (allauth's default is "ABCD-EFGH").
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_ADAPTER = "cms.accounts.CareCertAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/15m/key"}
ACCOUNT_FORMS = {"signup": "cms.accounts.SignupForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CareCert"
# Staff (is_staff, superuser or an active StaffMembership) must enrol TOTP (cms/mfa.py).
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", True)
ACCOUNT_REAUTHENTICATION_REQUIRED = True
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Text messages (cms/sms.py): logged in development; production posts to the SMS gateway.
SMS_BACKEND = env_str("SMS_BACKEND", "cms.sms.LogBackend")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_SECRET = env_str("SMS_GATEWAY_SECRET", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 5)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CareCert <noreply@carecert.local>")

# --- Login protection (django-axes): 5 failures per account in 15 min lock it for 30 min.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "cms.accounts.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "account/locked.html"
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)

# --- Sessions: 30 min idle, 8 h absolute; rotated at login (Django does), cookies httponly.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 8))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Password policy for staff (3 of 4 classes, 90-day change, not one of last 5).
STAFF_PASSWORD_MAX_AGE_DAYS = env_int("STAFF_PASSWORD_MAX_AGE_DAYS", 90)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)

# --- Personal data keys (AES-256-GCM + HMAC blind index). Never derived from SECRET_KEY.
# PII_KEYS: comma-separated "id:base64key" items, the first encrypts, all decrypt (rotation).
PII_KEYS = env_list("PII_KEYS")
PII_INDEX_KEY = env_str("PII_INDEX_KEY", "")
# The audit chain's HMAC key and where its signed checkpoints go (certification/audit.py): both
# outside the database. In production point the path at a separate, append-only volume.
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY", "")
AUDIT_CHECKPOINT_PATH = Path(
    env_str("AUDIT_CHECKPOINT_PATH", str(BASE_DIR / "var" / "audit" / "checkpoints.jsonl"))
)

# --- API rate limits per key (issue 13): "N/min", "N/hour" or "N/day".
API_RATE_PERSON_LOOKUP = env_str("API_RATE_PERSON_LOOKUP", "120/min")
API_RATE_BAN_CHECK = env_str("API_RATE_BAN_CHECK", "120/min")
# ... and per user on the hiring-check page (a ban check by typed-in ID number).
PAGE_RATE_HIRING_CHECK = env_str("PAGE_RATE_HIRING_CHECK", "30/min")
PAGE_RATE_VERIFY_SEARCH = env_str("PAGE_RATE_VERIFY_SEARCH", "20/min")

# --- Cache: progress of long Celery jobs lives here, so the web process must share it with the
# worker. CACHE_URL=redis://… in production; embedded mode runs tasks in-process (local memory).
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Celery: no broker configured → tasks run eagerly in-process (embedded mode).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
# A task taken by a worker that dies unacknowledged goes back to the queue after this long
# (Redis broker). It must exceed the longest task, or a running task is handed out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Security headers. Production tightens cookies and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Import / export
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True

# --- Domain settings (policy numbers that are not per-region rule data).
LEARNING_HEARTBEAT_SECONDS = env_int("LEARNING_HEARTBEAT_SECONDS", 30)
ATTENDANCE_QR_ROTATE_SECONDS = env_int("ATTENDANCE_QR_ROTATE_SECONDS", 30)

# --- D-40 outbox: pushes to the national childcare information system and other receivers.
# Receivers must be https; plain http to a loopback address only where this is on (dev, tests).
OUTBOX_ALLOW_LOOPBACK_HTTP = env_bool("OUTBOX_ALLOW_LOOPBACK_HTTP", False)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)  # then the delivery is dead-lettered
OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 30)  # doubles per failed attempt
OUTBOX_TIMEOUT_SECONDS = env_int("OUTBOX_TIMEOUT_SECONDS", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

# Per-account lockout is the policy; per-IP throttling is allauth's rate limit above (locking by
# IP would lock out a whole bureau behind one NAT address).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Subsidy public notice (D-29): objections need a logged-in user, are size-limited and
# rate-limited per user over a rolling 24 hours.
SUBSIDY_OBJECTION_MAX_CHARS = env_int("SUBSIDY_OBJECTION_MAX_CHARS", 1000)
SUBSIDY_OBJECTIONS_PER_DAY = env_int("SUBSIDY_OBJECTIONS_PER_DAY", 3)
