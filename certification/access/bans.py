"""Access to the ban register (D-22/D-23): regulators only, within their region subtree."""

import contextlib

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from certification.access import deny, require_role, staff_scope
from certification.models import BanCheck, BanEntry, CheckPurpose, StaffRole


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


def access_hiring_check_record(user, check_id: int, *, request=None) -> BanCheck:
    """A hiring check's printable record, for the admins of the institution that ran it; 404
    for anything else (another institution's check is denied and audited, never confirmed)."""
    org_ids = require_institution_admin(user, request=request)
    check = get_object_or_404(
        BanCheck.objects.select_related("organisation", "actor"),
        pk=check_id,
        purpose=CheckPurpose.HIRING,
    )
    if check.organisation_id not in org_ids:
        with contextlib.suppress(PermissionDenied):
            deny(user, action="ban.hiring_record", obj=check, request=request)
        raise Http404
    return check
