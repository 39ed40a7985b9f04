"""A newcomer's laptop: SQLite, eager Celery, console e-mail and SMS, files on disk."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
ACCOUNT_EMAIL_VERIFICATION = "optional"
