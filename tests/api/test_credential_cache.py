"""Issue 18: the verify page, the API's credential answer and the province's status list come
from the cache once made, and a revocation, a key rotation, an edit of the list or of the
holder shows on the very next request all the same."""

import base64
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from certification.models import StatusList
from certification.rules import credentials as vc
from certification.services.certificates import certificate_revoke
from tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert(cast, orgs):
    return CertificateFactory(person=cast.worker, issuer=orgs.base, hours="120.0")


def _page(client, cert) -> str:
    response = client.get(reverse("certification:verify", args=[cert.verification_code]))
    assert response.status_code == 200
    return response.content.decode()


def _answer(api, cert) -> dict:
    response = api.get("other_inst", f"/certificates/verify/{cert.verification_code}/credential")
    assert response.status_code == 200, response.content
    return response.json()


def _part(token: str, n: int) -> dict:
    body = token.split(".")[n]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _keys(client) -> dict:
    return {k["kid"]: k for k in client.get("/.well-known/jwks.json").json()["keys"]}


def _list(client) -> str:
    url = reverse("certification:credential_status_list", args=["530000"])
    return client.get(url).content.decode()


def _standing(client, token: str) -> vc.Verification:
    """What a verifier with only the published keys and the published list finds."""
    list_token = _list(client)
    listed = vc.verify(list_token, _keys(client)).credential
    return vc.verify(token, _keys(client), status_lists={listed["id"]: list_token})


def test_a_repeated_answer_is_the_one_made_from_the_rows(
    api, client, cert, django_assert_max_num_queries
):
    first = _answer(api, cert)
    with django_assert_max_num_queries(2):  # the key's use and the certificate
        again = _answer(api, cert)
    assert again == first
    standing = _standing(client, again["jwt"])
    assert standing.valid and standing.revoked is False
    assert again["signature_valid"] is True and again["revoked"] is False
    assert _part(again["jwt"], 1)["credentialSubject"]["licenseNumber"] == cert.serial


def test_a_revocation_shows_on_the_next_view_and_in_the_next_list(api, client, cast, cert):
    token = _answer(api, cert)["jwt"]
    for _ in range(2):  # made, then from the cache
        assert "状态：未撤销" in _page(client, cert)
        assert _standing(client, token).revoked is False
    certificate_revoke(actor=cast.base_staff, certificate=cert, reason="证书信息有误")
    page = _page(client, cert)
    assert "状态：已撤销" in page and "状态：未撤销" not in page
    assert _answer(api, cert)["revoked"] is True
    assert _standing(client, token).revoked is True  # the list the verifier fetches is fresh


def test_an_edit_of_the_status_list_outside_the_services_shows_at_once(client, cert):
    assert "状态：未撤销" in _page(client, cert)
    assert "状态：未撤销" in _page(client, cert)  # cached
    cert.refresh_from_db()
    listed = StatusList.objects.get(province_id="530000")
    listed.bits = vc.with_bit(bytes(listed.bits), cert.status_list_index, True)
    listed.save()  # as from the admin or the shell: the certificate row itself is unchanged
    assert "状态：已撤销" in _page(client, cert)


def test_a_key_rotation_signs_the_next_answer_with_the_new_key(api, client, cert):
    before = _answer(api, cert)
    assert _answer(api, cert) == before  # cached
    assert _part(before["jwt"], 0)["kid"].endswith("#key-1")
    call_command("rotate_signing_key", "530000")
    after = _answer(api, cert)
    assert _part(after["jwt"], 0)["kid"].endswith("#key-2")
    assert after["signature_valid"] is True and after["jwt"] != before["jwt"]
    assert _part(_list(client), 0)["kid"].endswith("#key-2")  # the list is re-signed too
    assert _standing(client, after["jwt"]).valid
    assert "签名有效" in _page(client, cert)


def test_a_renamed_holder_gets_a_credential_with_the_new_masked_name(api, cast, cert):
    assert _part(_answer(api, cert)["jwt"], 1)["credentialSubject"]["name"] == "王*育"
    assert _part(_answer(api, cert)["jwt"], 1)["credentialSubject"]["name"] == "王*育"  # cached
    cast.worker.name = "李保育"
    cast.worker.save(update_fields=["name"])
    assert _part(_answer(api, cert)["jwt"], 1)["credentialSubject"]["name"] == "李*育"
