"""Issue 19: the API returns a certificate's signed credential, by verification code like the
public verify page, with its standing as a verifier finds it."""

import base64
import json

import pytest

from certification.rules import credentials as vc
from tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert(cast, orgs):
    return CertificateFactory(person=cast.worker, issuer=orgs.base, hours="120.0")


def _payload(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_the_api_returns_the_credential_with_its_standing(api, cast, orgs, cert):
    response = api.get("other_inst", f"/certificates/verify/{cert.verification_code}/credential")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["signature_valid"] is True and body["revoked"] is False
    assert body["media_type"] == vc.MEDIA_TYPE and body["jwks"].endswith("/.well-known/jwks.json")
    assert _payload(body["jwt"])["credentialSubject"]["licenseNumber"] == cert.serial
    assert "王保育" not in response.content.decode()  # masked, as on the public page
    assert api.get("other_inst", "/certificates/verify/nope/credential").status_code == 404
