"""Compliance tasks (D-12…D-14). Beat schedules: cms/celery.py."""

import logging

from celery import shared_task
from django.core.cache import cache

from certification.audit import audit_record
from certification.services.compliance_recompute import compliance_recompute
from certification.services.reminders import compliance_refresh_status, cycle_reminders_send

log = logging.getLogger(__name__)

RECOMPUTE_PROGRESS_KEY = "compliance-recompute-progress"
LOGGED_CORRECTIONS = 1000  # each correction is logged up to this many; the rest are counted


@shared_task(name="certification.refresh_compliance_status")
def refresh_compliance_status() -> dict:
    """Daily: on_track/behind as time passes; ended unmet cycles become lapsed (D-13)."""

    return compliance_refresh_status()


@shared_task(name="certification.send_cycle_reminders")
def send_cycle_reminders() -> dict:
    """Daily: 180/90/30-day reminders, each sent once (D-14)."""

    return cycle_reminders_send()


def recompute_progress() -> dict | None:
    """The running (or last) recompute's progress: {"done", "total", "checked", "corrected",
    "created", "finished"}; None when none has run (needs a cache shared with the worker)."""
    return cache.get(RECOMPUTE_PROGRESS_KEY)


@shared_task(name="certification.recompute_compliance")
def recompute_compliance(chunk_size: int = 10000) -> dict:
    """`recompute_compliance` for big data (D-12/D-13): rebuilds the cycle summaries chunk by
    chunk of people. Progress goes to the cache under RECOMPUTE_PROGRESS_KEY after every
    committed chunk and to the log; each correction is logged."""

    logged = 0

    def figures(result) -> dict:
        return {
            "checked": result.checked,
            "corrected": len(result.corrections),
            "created": result.created,
            "statements": result.statements_enqueued,
        }

    def progress(done, total, result):
        nonlocal logged
        for line in result.corrections[logged:LOGGED_CORRECTIONS]:
            log.info("recompute_compliance correction: %s", line)
        logged = max(logged, min(len(result.corrections), LOGGED_CORRECTIONS))
        state = {"done": done, "total": total, **figures(result), "finished": False}
        cache.set(RECOMPUTE_PROGRESS_KEY, state, 86400)
        log.info(
            "recompute_compliance: %s/%s people, %s corrected", done, total, state["corrected"]
        )

    cache.set(RECOMPUTE_PROGRESS_KEY, {"done": 0, "total": None, "finished": False}, 86400)
    result = compliance_recompute(chunk_size=chunk_size, progress=progress)
    summary = figures(result)
    cache.set(
        RECOMPUTE_PROGRESS_KEY,
        {**(cache.get(RECOMPUTE_PROGRESS_KEY) or {}), **summary, "finished": True},
        86400,
    )
    audit_record(actor=None, action="compliance.recompute", data=summary)
    return summary
