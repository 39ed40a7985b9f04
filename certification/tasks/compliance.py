"""Compliance tasks (D-12…D-14). Beat schedules: cms/celery.py."""

from celery import shared_task
from django.core.cache import cache

RECOMPUTE_PROGRESS_KEY = "compliance-recompute-progress"


@shared_task(name="certification.refresh_compliance_status")
def refresh_compliance_status() -> dict:
    """Daily: on_track/behind as time passes; ended unmet cycles become lapsed (D-13)."""
    from certification.services.reminders import compliance_refresh_status

    return compliance_refresh_status()


@shared_task(name="certification.send_cycle_reminders")
def send_cycle_reminders() -> dict:
    """Daily: 180/90/30-day reminders, each sent once (D-14)."""
    from certification.services.reminders import cycle_reminders_send

    return cycle_reminders_send()


@shared_task(name="certification.recompute_compliance")
def recompute_compliance() -> dict:
    """recompute_compliance for big data; progress in the cache under RECOMPUTE_PROGRESS_KEY
    ({"done": n, "total": m, "corrected": k})."""
    from certification.services.compliance_recompute import compliance_recompute

    def progress(done, total):
        cache.set(RECOMPUTE_PROGRESS_KEY, {"done": done, "total": total}, 86400)

    result = compliance_recompute(progress=progress)
    summary = {"checked": result.checked, "corrected": len(result.corrections),
               "created": result.created}
    cache.set(RECOMPUTE_PROGRESS_KEY, {**summary, "done": True}, 86400)
    return summary
