"""Who may correct ledger entries (D-8)."""

from certification.access import staff_scope
from certification.models import StaffRole


def can_correct_hours(user, entry) -> bool:
    """D-8: corrections only by the staff of the entry's training base, a regulator whose
    region covers the person, or a system administrator."""
    scope = staff_scope(user)
    if scope.has(StaffRole.SYSADMIN):
        return True
    if entry.training_base_id and entry.training_base_id in scope.org_ids(StaffRole.BASE_STAFF):
        return True
    region = entry.person.region
    return bool(region and scope.covers_path(region.path, StaffRole.REGULATOR))
