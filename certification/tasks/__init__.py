"""Celery tasks, one module per area. Tasks are adapters: ids in, call a service, idempotent.
Every task has an explicit name "certification.<verb>" (beat schedules in cms/celery.py)."""

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")
