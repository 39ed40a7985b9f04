"""Who sees the 持证上岗 list (D-37): an institution's admins its own active employments,
regulators those of institutions in their region subtree. Anything else is an audited 403."""

from django.db.models import Q

from certification.access import deny, require_role, staff_scope
from certification.models import Employment, Organisation, StaffRole

ACTION = "work_certificate.list"


def work_certificate_institutions(user, *, request=None):
    """The institutions whose staff `user` may list (audited 403 for anyone else)."""
    scope = require_role(
        user, StaffRole.INSTITUTION_ADMIN, StaffRole.REGULATOR, request=request, action=ACTION
    )
    return Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION).filter(
        Q(pk__in=scope.org_ids(StaffRole.INSTITUTION_ADMIN))
        | scope.region_q("region__path", StaffRole.REGULATOR)
    )


def lists_across_institutions(user) -> bool:
    """Regulators' lists span institutions (the page then names each one)."""
    return staff_scope(user).has(StaffRole.REGULATOR)


def work_certificate_employments(user, *, institution_id: str = "", request=None):
    """(active employments the user may list, the one institution asked for or None). An
    institution outside the user's scope is refused and audited, never listed."""
    institutions = work_certificate_institutions(user, request=request)
    employments = Employment.objects.filter(end_date__isnull=True)
    if not institution_id:
        return employments.filter(institution__in=institutions), None
    # beyond a bigint there is no such institution
    pk = int(institution_id) if institution_id.isdigit() and len(institution_id) < 19 else None
    institution = institutions.filter(pk=pk).first() if pk else None
    if institution is None:
        deny(user, action=ACTION, obj=Organisation.objects.filter(pk=pk).first(), request=request)
    return employments.filter(institution=institution), institution
