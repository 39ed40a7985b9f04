"""Access to the ban register (D-22/D-23): regulators only, within their region subtree."""

from django.shortcuts import get_object_or_404

from certification.access import deny, require_role, staff_scope
from certification.models import BanEntry, StaffRole


def bans_visible_to(user, *, request=None):
    """Entries registered in the regulator's subtree. Anyone else is denied (audited)."""
    scope = require_role(user, StaffRole.REGULATOR, request=request, action="ban.list")
    return BanEntry.objects.filter(scope.region_q("region__path", StaffRole.REGULATOR))


def access_ban(user, ban_id: int, *, request=None) -> BanEntry:
    """One entry for a regulator whose subtree holds it; 404 if missing, deny otherwise."""
    entry = get_object_or_404(BanEntry.objects.select_related("region"), pk=ban_id)
    if not staff_scope(user).covers_path(entry.region.path, StaffRole.REGULATOR):
        deny(user, action="ban.view", obj=entry, request=request)
    return entry


def require_regulator(user, *, request=None, action: str = "ban"):
    """The regulator's scope and the regions they may register entries for."""
    return require_role(user, StaffRole.REGULATOR, request=request, action=action)


def require_institution_admin(user, *, request=None):
    """The institutions an admin may run hiring checks for."""
    scope = require_role(
        user, StaffRole.INSTITUTION_ADMIN, request=request, action="ban.hiring_check"
    )
    return scope.org_ids(StaffRole.INSTITUTION_ADMIN)
