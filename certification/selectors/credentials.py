"""Reads behind signed credentials: which province a certificate belongs to and the keys a
verifier may use."""

from django.db.models import QuerySet

from certification.models import Certificate, Region, SigningKey


def certificate_province_code(certificate: Certificate) -> str | None:
    """The code of the province whose key signs the certificate's credential: the issuing
    organisation's, else (a skill certificate recorded from another body) the holder's."""
    region = certificate.issuer.region if certificate.issuer_id else certificate.person.region
    if region is None:
        return None
    return region.path.split("/", 1)[0]


def certificate_province(certificate: Certificate) -> Region | None:
    """The province whose key signs the certificate's credential (certificate_province_code)."""
    code = certificate_province_code(certificate)
    if code is None:
        return None
    return Region.objects.filter(code=code).first()


def published_keys(province: Region | None = None) -> QuerySet[SigningKey]:
    """Every key ever used, active or retired (old credentials still verify), oldest first."""
    keys = SigningKey.objects.select_related("province").order_by("created_at", "pk")
    return keys.filter(province=province) if province is not None else keys


def verification_keys() -> dict[str, dict]:
    """kid → public JWK of every published key, as rules.credentials.verify wants them."""
    return {key.kid: key.public_jwk for key in published_keys()}
