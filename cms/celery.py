"""The Celery app. Beat schedules live in one place: CELERY_BEAT_SCHEDULE below."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

app = Celery("carecert")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "cycle-reminders-daily": {
        "task": "certification.send_cycle_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "compliance-status-refresh-daily": {
        "task": "certification.refresh_compliance_status",
        "schedule": crontab(hour=1, minute=30),
    },
    "ban-yearly-recheck": {
        "task": "certification.tasks.ban_yearly_recheck",
        "schedule": crontab(hour=2, minute=0, day_of_month=15, month_of_year=1),
    },
}
