"""Bare Django: one app, no middleware, the bench database from DATABASE_URL."""

import os

import dj_database_url

SECRET_KEY = "bench-floor-not-secret"  # noqa: S105  (serves a throwaway bench table only)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.floor.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "bench.floor"]
MIDDLEWARE: list[str] = []
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
    }
]
