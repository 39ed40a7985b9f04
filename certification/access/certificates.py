"""Who may see a certificate (D-20/D-21): its holder, staff of the issuing base, regulators of
the holder's region. Everyone else gets a 404 (no existence leak) and an audited denial."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from certification.access import deny, staff_scope
from certification.models import Certificate
from certification.models.staff import StaffRole


def can_see_certificate(user, cert: Certificate) -> bool:
    if getattr(user, "is_authenticated", False) and cert.person.user_id == user.pk:
        return True
    scope = staff_scope(user)
    if cert.issuer_id and cert.issuer_id in scope.org_ids(StaffRole.BASE_STAFF):
        return True
    return scope.covers_path(cert.person.region.path, StaffRole.REGULATOR)


def access_certificate(user, certificate_id: int, *, request=None) -> Certificate:
    cert = (Certificate.objects.select_related("person__region", "course", "issuer")
            .filter(pk=certificate_id).first())
    if cert is None:
        raise Http404
    if not can_see_certificate(user, cert):
        try:
            deny(user, action="certificate.view", obj=cert, request=request)
        except PermissionDenied:
            raise Http404 from None
    return cert
