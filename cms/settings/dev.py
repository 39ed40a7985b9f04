"""A newcomer's laptop: the project-local PostgreSQL (cms/embedded_db.py), a local Celery worker
fed from files under var/celery/, console e-mail and SMS, files on disk."""

from .base import *  # noqa: F403
from .base import BASE_DIR
from .env import env_bool, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
ACCOUNT_EMAIL_VERIFICATION = "optional"

# Without a broker, `make run` starts a worker next to the web server and the two meet in a
# broker kept in files (kombu's filesystem transport): long jobs (a batch of 500 certificates,
# a big import, a recompute) run in the worker while the page shows their progress, exactly as
# in production. Progress is shared through a file cache for the same reason.
if not env_str("CELERY_BROKER_URL", ""):
    _queue = BASE_DIR / "var" / "celery"
    for _folder in ("queue", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),  # else kombu writes ./control/
        "store_processed": False,
    }
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
if not env_str("CACHE_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),
        }
    }

# A receiver on this machine (a stand-in for the national system) may use plain http.
OUTBOX_ALLOW_LOOPBACK_HTTP = env_bool("OUTBOX_ALLOW_LOOPBACK_HTTP", True)
