"""The Celery app. Beat schedules live in one place: beat_schedule() below."""

import os

from celery import Celery, Task
from celery.schedules import crontab
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")


class DatabaseRetryingTask(Task):
    """Every task: one that loses its database (PostgreSQL restarting, a failover, a pooler
    recycling) is retried with back-off instead of being acknowledged as failed and lost. Our
    tasks take ids and are idempotent, so running one again is safe."""

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 12


app = Celery("carecert", task_cls=DatabaseRetryingTask)
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
        "audit-seal-every-5-seconds": {  # issue 18: rows join the chain soon after commit
            "task": "certification.audit_seal",
            "schedule": 5.0,
            "options": {"expires": 5},  # a backlog of runs would only find nothing to seal
        },
        "certificate-pdfs-missing-every-10-minutes": {  # a PDF task lost to a crash is re-sent
            "task": "certification.render_missing_certificate_pdfs",
            "schedule": crontab(minute="*/10"),
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
