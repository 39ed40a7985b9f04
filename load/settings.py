"""Settings of every process of a load run (web, worker, seeding, checks): the test settings'
fixed keys and fast hashing, but shared state as in production: Redis for the cache (two web
processes and two workers must see one cache, or an invalidation in one is missed by the other)
and for the broker (tasks queued, never eager), persistent database connections.

The orchestrator (load/__main__.py) sets DATABASE_URL to the run's own cluster; the Redis
database (LOAD_REDIS_URL, default db 14) is flushed at the start of each run."""

from cms.settings.env import env_int, env_str
from cms.settings.test import *  # noqa: F403
from cms.settings.test import BASE_DIR

DEBUG = False
LOAD_ROOT = BASE_DIR / "var" / "load"
_REDIS = env_str("LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS}}
CELERY_BROKER_URL = _REDIS
CELERY_TASK_ALWAYS_EAGER = False
# Redis redelivers the unacknowledged task of a worker that died (acks_late) only once its
# visibility timeout has passed: kombu's default is an hour, so a SIGKILLed worker's batch
# would resume an hour later. The run uses a short one (it must stay longer than the longest
# task, or a task still running is handed out a second time).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("LOAD_VISIBILITY_TIMEOUT", 30),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# A learner's tab beats every few seconds (30 in production; the tests use 2).
LEARNING_HEARTBEAT_SECONDS = env_int("LOAD_HEARTBEAT_SECONDS", 5)
MEDIA_ROOT = LOAD_ROOT / "media"
PRIVATE_STORAGE_ROOT = LOAD_ROOT / "private"
AUDIT_CHECKPOINT_PATH = LOAD_ROOT / "audit" / "checkpoints.jsonl"
# Warnings and errors only: a 500's traceback is what the run's logs are kept for.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
