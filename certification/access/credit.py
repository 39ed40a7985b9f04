"""Access to the credit file (D-38): regulators and HR staff, within their region subtree.

Reading: regulators, HR reviewers and HR payment staff. Recording (findings, commendations,
corrections) and exporting: regulators and HR reviewers. Refusals are audited. The public summary
per organisation needs no access check: it holds no personal data (selectors.credit)."""

from django.shortcuts import get_object_or_404

from certification.access import deny, require_role, staff_scope
from certification.models import CreditRecord, Organisation, Region, StaffRole

CREDIT_READERS = (StaffRole.REGULATOR, StaffRole.HR_REVIEWER, StaffRole.HR_PAYMENT)
CREDIT_KEEPERS = (StaffRole.REGULATOR, StaffRole.HR_REVIEWER)


def credit_records_visible_to(user, *, request=None):
    """Records registered in the user's subtrees. Anyone else is denied (audited)."""
    scope = require_role(user, *CREDIT_READERS, request=request, action="credit.list")
    return CreditRecord.objects.filter(scope.region_q("region__path", *CREDIT_READERS))


def require_credit_keeper(user, *, request=None, action: str = "credit.create"):
    """The scope of a user who may record and export; deny (audited) anyone else."""
    return require_role(user, *CREDIT_KEEPERS, request=request, action=action)


def credit_regions_for(user):
    """The regions a keeper may register records in (active ones, their subtrees)."""
    scope = staff_scope(user)
    return Region.objects.filter(scope.region_q("path", *CREDIT_KEEPERS), is_active=True).order_by(
        "path"
    )


def credit_organisations_for(user):
    """Organisations a keeper may record against: those located in their subtrees."""
    scope = staff_scope(user)
    return Organisation.objects.filter(scope.region_q("region__path", *CREDIT_KEEPERS)).order_by(
        "name"
    )


def access_credit_record(user, record_id: int, *, request=None, keep: bool = False):
    """One record for a reader (or, with keep=True, a keeper) covering its region; 404 if
    missing, deny (audited) otherwise."""
    record = get_object_or_404(
        CreditRecord.objects.select_related("region", "organisation", "annuls"), pk=record_id
    )
    roles = CREDIT_KEEPERS if keep else CREDIT_READERS
    if not staff_scope(user).covers_path(record.region.path, *roles):
        deny(user, action="credit.annul" if keep else "credit.view", obj=record, request=request)
    return record


def credit_records_exportable_by(user, *, request=None):
    """Records a keeper may export: those in the subtrees where they hold a keeper role."""
    scope = require_credit_keeper(user, request=request, action="credit.export")
    return CreditRecord.objects.filter(scope.region_q("region__path", *CREDIT_KEEPERS))
