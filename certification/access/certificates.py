"""Who may see a certificate (D-20/D-21): its holder, staff of the issuing base, regulators of
the holder's region. Everyone else gets a 404 (no existence leak) and an audited denial."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from certification.access import deny, staff_scope
from certification.models import Certificate
from certification.models.staff import StaffRole


def certificate_region_path(cert: Certificate) -> str:
    """The region a certificate is scoped to (regulators, audit): the holder's region, or, for a
    holder with no region, the issuing organisation's region. "" when neither is known: no
    regulator covers it and only the issuing base's staff act on it."""
    if cert.person.region_id:
        return cert.person.region.path
    if cert.issuer_id:
        return cert.issuer.region.path
    return ""


def can_see_certificate(user, cert: Certificate) -> bool:
    if getattr(user, "is_authenticated", False) and cert.person.user_id == user.pk:
        return True
    scope = staff_scope(user)
    if cert.issuer_id and cert.issuer_id in scope.org_ids(StaffRole.BASE_STAFF):
        return True
    path = certificate_region_path(cert)
    return bool(path) and scope.covers_path(path, StaffRole.REGULATOR)


def can_revoke_certificate(user, certificate: Certificate) -> bool:
    """D-21: the issuing base's staff, or regulators of the holder's (else the issuer's) region."""
    scope = staff_scope(user)
    if certificate.issuer_id and certificate.issuer_id in scope.org_ids(StaffRole.BASE_STAFF):
        return True
    path = certificate_region_path(certificate)
    return bool(path) and scope.covers_path(path, StaffRole.REGULATOR)


# D-19: who records externally issued skill-level certificates.
SKILL_LEVEL_RECORDERS = (StaffRole.BASE_STAFF, StaffRole.HR_REVIEWER, StaffRole.REGULATOR)


def can_record_skill_certificates(user) -> bool:
    return staff_scope(user).has(*SKILL_LEVEL_RECORDERS)


def access_certificate(user, certificate_id: int, *, request=None) -> Certificate:
    cert = (
        Certificate.objects.select_related("person__region", "course", "issuer__region")
        .filter(pk=certificate_id)
        .first()
    )
    if cert is None:
        raise Http404
    if not can_see_certificate(user, cert):
        try:
            deny(user, action="certificate.view", obj=cert, request=request)
        except PermissionDenied:
            raise Http404 from None
    return cert
