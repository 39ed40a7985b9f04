"""Ban tasks (D-23)."""

from celery import shared_task

from certification.services.ban_register import bans_coming_into_force
from certification.services.bans import ban_recheck_due


@shared_task(name="certification.tasks.ban_yearly_recheck")
def ban_yearly_recheck() -> dict:
    """Beat, daily: re-check the active employments of the regions whose yearly re-check day
    (the ban-recheck policy table) has come."""

    return ban_recheck_due()


@shared_task(name="certification.cascade_bans_coming_into_force")
def cascade_bans_coming_into_force() -> dict:
    """Beat, daily: bans registered ahead of their effective date cascade on that day (D-25)."""

    return bans_coming_into_force()
