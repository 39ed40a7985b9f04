"""Access to training-base supervision (D-39): regulators of the base's region or of any region
above it. Everyone else is refused and the refusal audited."""

from django.shortcuts import get_object_or_404

from certification.access import deny, require_role, staff_scope
from certification.models import Accreditation, Organisation, StaffRole


def supervised_bases(user, *, request=None):
    """The training bases in the regulator's region subtrees."""
    scope = require_role(user, StaffRole.REGULATOR, request=request, action="supervision.list")
    return Organisation.objects.filter(kind=Organisation.Kind.TRAINING_BASE).filter(
        scope.region_q("region__path", StaffRole.REGULATOR)
    )


def supervises(user, training_base: Organisation) -> bool:
    return staff_scope(user).covers_path(training_base.region.path, StaffRole.REGULATOR)


def access_supervised_base(user, base_id: int, *, request=None) -> Organisation:
    """One base for a regulator above it; 404 if it is no base, deny (audited) otherwise."""
    base = get_object_or_404(
        Organisation.objects.select_related("region"),
        pk=base_id,
        kind=Organisation.Kind.TRAINING_BASE,
    )
    if not supervises(user, base):
        deny(user, action="supervision.view", obj=base, request=request)
    return base


def access_accreditation_decision(user, accreditation_id: int, *, request=None) -> Accreditation:
    """An accreditation a regulator may decide on: that of a base they supervise."""
    accreditation = get_object_or_404(
        Accreditation.objects.select_related("training_base__region"), pk=accreditation_id
    )
    if not supervises(user, accreditation.training_base):
        deny(user, action="accreditation.decide", obj=accreditation, request=request)
    return accreditation
