"""Certificates (D-17, D-20, D-21): issue, verify by code, list, revoke."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from ninja import Path, Router, Status
from ninja.pagination import paginate

from certification.access.people import people_visible_to
from certification.api.common import ERRORS, Pagination, api_key, person_for_key, require
from certification.api.principal import key_actor
from certification.api.schemas import (
    CertificateCredentialOut,
    CertificateIssuedOut,
    CertificateIssueIn,
    CertificatePublicOut,
    CertificateRevokeIn,
    CertificateVerifyOut,
)
from certification.models import ApiKey, Certificate
from certification.rules.credentials import MEDIA_TYPE
from certification.selectors.certificates import certificate_by_code, certificate_public_by_code
from certification.services.certificates import certificate_issue_training, certificate_revoke
from certification.services.credentials import certificate_credential_and_check, site_url
from certification.services.credit import FraudFinding
from cms.models import CoursePage

router = Router(tags=["证书"])

CODE = r"^[A-Za-z0-9_-]{1,64}$"
SERIAL = r"^[A-Za-z0-9-]{1,40}$"


def certificates_in_scope(key: ApiKey):
    qs = Certificate.objects.select_related("person")
    if key.role == ApiKey.Role.TRAINING_BASE:
        return qs.filter(issuer=key.organisation)
    # D-34: the certificates of the people the key may see.
    return qs.filter(person__in=people_visible_to(key_actor(key)))


@router.post("/certificates", response={201: CertificateIssuedOut, **ERRORS})
def certificate_issue(request, payload: CertificateIssueIn):
    """D-17: issue a training certificate from the key's training base (training-base keys
    only). The service checks hours, assessments, the base's accreditation and the ban register;
    a refusal is a 422 `not_eligible` listing every reason."""
    key = require(request, ApiKey.Role.TRAINING_BASE)
    person = person_for_key(key, payload.person_id)
    course = CoursePage.objects.filter(pk=payload.course_id).first()
    if course is None:
        raise ValidationError({"course_id": "课程不存在"})
    cert = certificate_issue_training(
        actor=key_actor(key),
        person=person,
        course=course,
        training_base=key.organisation,
        issue_date=payload.issue_date,
    )
    return Status(201, cert)


@router.get("/certificates/verify/{code}", response={200: CertificatePublicOut, **ERRORS})
def certificate_verify(request, code: str = Path(..., pattern=CODE)):
    """D-20: verify a certificate by its verification code (any valid key); the holder's name
    is masked as on the public page."""
    c = certificate_public_by_code(code)
    if c is None:
        raise Http404
    return c


@router.get(
    "/certificates/verify/{code}/credential", response={200: CertificateCredentialOut, **ERRORS}
)
def certificate_credential(request, code: str = Path(..., pattern=CODE)):
    """Issue 19: the certificate's signed credential (same code, same data as the public
    verify page), with its signature and status as checked against the published keys."""
    api_key(request)
    c = certificate_by_code(code)
    if c is None:
        raise Http404
    checked = certificate_credential_and_check(c)  # cached: issue 18
    if checked is None:  # no province can sign for it
        raise Http404
    token, check = checked
    status = (check.credential or {}).get("credentialStatus", {})
    return {
        "jwt": token,
        "media_type": MEDIA_TYPE,
        "signature_valid": check.signature_ok and check.issuer_ok,
        "revoked": check.revoked,
        "status_list": status.get("statusListCredential", ""),
        "jwks": site_url() + reverse("certification:credential_jwks"),
    }


@router.get("/certificates", response={200: list[CertificateVerifyOut], **ERRORS})
@paginate(Pagination)
def certificate_list(request):
    """Certificates within the key's scope (issuer base, employing institution or region),
    newest first."""
    return certificates_in_scope(api_key(request)).order_by("-issue_date", "-id")


@router.post("/certificates/{serial}/revoke", response={200: CertificateVerifyOut, **ERRORS})
def certificate_revoke_view(
    request, payload: CertificateRevokeIn, serial: str = Path(..., pattern=SERIAL)
):
    """D-21: revoke with a reason: the issuing base or a regulator of the holder's region (the
    service decides; others get 403). Revoking a revoked certificate changes nothing. With
    `fraud` (证书造假 / 虚假培训) the credit records are written in the same transaction (D-38)."""
    key = api_key(request)
    cert = certificates_in_scope(key).filter(serial=serial).first()
    if cert is None:
        raise Http404
    fraud = FraudFinding(**payload.fraud.dict()) if payload.fraud else None
    return certificate_revoke(
        actor=key_actor(key), certificate=cert, reason=payload.reason, fraud=fraud
    )
