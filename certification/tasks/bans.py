"""Ban tasks (D-23)."""

from celery import shared_task

from certification.services.ban_register import bans_coming_into_force
from certification.services.bans import ban_yearly_recheck as run


@shared_task(name="certification.tasks.ban_yearly_recheck")
def ban_yearly_recheck() -> dict:
    """Beat: re-check every active employment against the register (date: BAN_YEARLY_RECHECK)."""

    return run()


@shared_task(name="certification.cascade_bans_coming_into_force")
def cascade_bans_coming_into_force() -> dict:
    """Beat, daily: bans registered ahead of their effective date cascade on that day (D-25)."""

    return bans_coming_into_force()
