"""Yearly health care (D-36). Beat schedule: cms/celery.py."""

from celery import shared_task

from certification.services.health import health_reminders_send


@shared_task(name="certification.send_health_reminders")
def send_health_reminders() -> dict:
    """Daily: reminders 30 and 7 days before a health certificate lapses, each sent once."""

    return health_reminders_send()
