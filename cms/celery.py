"""The Celery app. Beat schedules live in one place: beat_schedule() below."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

app = Celery("carecert")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule() -> dict:
    """Every periodic task. Dates that are policy (the yearly ban re-check day) are data: the
    task runs daily and reads them."""
    return {
        "cycle-reminders-daily": {
            "task": "certification.send_cycle_reminders",
            "schedule": crontab(hour=8, minute=0),
        },
        "health-reminders-daily": {  # D-36: before a health certificate lapses
            "task": "certification.send_health_reminders",
            "schedule": crontab(hour=8, minute=15),
        },
        "compliance-status-refresh-daily": {
            "task": "certification.refresh_compliance_status",
            "schedule": crontab(hour=1, minute=30),
        },
        "bans-coming-into-force-daily": {  # D-25: future-dated bans cascade on their day
            "task": "certification.cascade_bans_coming_into_force",
            "schedule": crontab(hour=0, minute=10),
        },
        "audit-checkpoint-hourly": {  # D-33: the chain's head, signed, outside the table
            "task": "certification.audit_checkpoint",
            "schedule": crontab(minute=5),
        },
        "outbox-deliver-every-minute": {  # D-40: retries and anything an emit's kick missed
            "task": "certification.deliver_outbox",
            "schedule": crontab(),
        },
        "ban-yearly-recheck": {  # D-23, on each region's day (policy table "ban-recheck")
            "task": "certification.tasks.ban_yearly_recheck",
            "schedule": crontab(hour=2, minute=0),
        },
    }


@app.on_after_configure.connect
def _install_beat_schedule(sender, **kwargs):
    sender.conf.beat_schedule = beat_schedule()
