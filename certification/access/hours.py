"""Who may correct ledger entries (D-8)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from certification.access import deny, staff_scope
from certification.models import HourEntry, StaffRole


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


def access_entry_for_correction(user, entry_id: int, *, request=None) -> HourEntry:
    """D-8: the ledger entry if the user may correct it. Anyone else gets 404 and an audited
    refusal: the answer does not confirm that the entry exists. Correction rows themselves are
    never corrected (they are reversed by a new entry on the original)."""
    entry = (
        HourEntry.objects.select_related("person__region", "course", "training_base")
        .filter(pk=entry_id, corrects__isnull=True)
        .first()
    )
    if entry is None or not can_correct_hours(user, entry):
        try:
            deny(user, action="hours.correct", obj=entry, request=request)
        except PermissionDenied:
            raise Http404 from None
    return entry
