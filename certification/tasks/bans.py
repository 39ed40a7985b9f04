"""Ban tasks (D-23)."""

from celery import shared_task


@shared_task(name="certification.tasks.ban_yearly_recheck")
def ban_yearly_recheck() -> dict:
    """Beat: re-check every active employment against the register (date: BAN_YEARLY_RECHECK)."""
    from certification.services.bans import ban_yearly_recheck as run

    return run()
