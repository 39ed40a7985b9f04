"""Where signed credentials are reached (issue 19): the holder's download, the public one
beside the verify page, the province's status list, and the keys a verifier needs (JWKS and
each province's did:web document), all without an account but the holder's."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse

from certification.access.certificates import access_certificate
from certification.models import Certificate, Region
from certification.rules import credentials as vc
from certification.selectors.certificates import certificate_by_code
from certification.selectors.credentials import published_keys
from certification.services import credentials as svc

# Keys and lists change rarely and must reach verifiers quickly after a revocation: a minute.
PUBLIC_CACHE = "public, max-age=60"


def _credential_response(certificate: Certificate) -> HttpResponse:
    try:
        token = svc.certificate_credential(certificate)
    except svc.NoCredential:
        raise Http404 from None
    response = HttpResponse(token, content_type=vc.MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{certificate.serial}.jwt"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def my_certificate_credential(request, pk: int):
    return _credential_response(access_certificate(request.user, pk, request=request))


def verify_credential(request, code: str):
    """The credential of the certificate the verify page shows (same code, same data: a
    masked name and a salted hash of the ID number)."""
    certificate = certificate_by_code(code)
    if certificate is None:
        raise Http404
    return _credential_response(certificate)


def _province(code: str) -> Region:
    province = Region.objects.filter(code=code, level=Region.Level.PROVINCE).first()
    if province is None:
        raise Http404
    return province


def credential_status_list(request, code: str):
    response = HttpResponse(svc.status_list_credential(_province(code)), content_type=vc.MEDIA_TYPE)
    response["Cache-Control"] = PUBLIC_CACHE
    return response


def _public(response):
    response["Cache-Control"] = PUBLIC_CACHE
    response["Access-Control-Allow-Origin"] = "*"  # verifiers fetch keys from any site
    return response


def jwks(request):
    keys = [{**k.public_jwk, "kid": k.kid} for k in published_keys()]
    return _public(JsonResponse({"keys": keys}))


def province_did(request, code: str):
    province = _province(code)
    did = vc.province_did(svc.site_url(), province.code)
    methods = [
        {"id": k.kid, "type": "JsonWebKey", "controller": did, "publicKeyJwk": k.public_jwk}
        for k in published_keys(province)
    ]
    active = [k.kid for k in published_keys(province) if k.retired_at is None]
    return _public(
        JsonResponse(
            {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": did,
                "verificationMethod": methods,
                "assertionMethod": active or [m["id"] for m in methods],
            }
        )
    )
