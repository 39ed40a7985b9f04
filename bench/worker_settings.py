"""Settings of the Celery worker that bench_certificates starts: the test settings (same PII
keys as the bench process) with tasks queued, not run eagerly."""

from cms.settings.env import env_str
from cms.settings.test import *  # noqa: F403

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
CELERY_TASK_ALWAYS_EAGER = False
