"""Issue 19 / D-41: every certificate has an Open Badges 3.0 credential signed (VC-JWT,
Ed25519) by its province's key, with a Bitstring Status List entry that a revocation flips in
the same transaction. Verifiers need only the published keys (JWKS, did:web) and the list."""

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from jsonschema import Draft201909Validator

from certification import pii
from certification.models import AuditEvent, Certificate, SigningKey
from certification.rules import credentials as vc
from certification.services.ban_register import ban_create
from certification.services.certificates import certificate_revoke
from certification.services.credentials import signing_key
from tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db
SCHEMA = "ob3-achievementcredential.schema.json"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "standards" / SCHEMA
VENDORED = Path(__file__).resolve().parents[1] / "standards" / SCHEMA


@pytest.fixture
def cert(cast, orgs):
    return CertificateFactory(person=cast.worker, issuer=orgs.base, hours="120.0")


def _download(client, cert) -> str:
    response = client.get(reverse("certification:verify_credential", args=[cert.verification_code]))
    assert response.status_code == 200 and response["Content-Type"] == vc.MEDIA_TYPE
    return response.content.decode()


def _keys(client) -> dict:
    return {k["kid"]: k for k in client.get("/.well-known/jwks.json").json()["keys"]}


def _status_list(client, code="530000") -> dict[str, str]:
    token = client.get(reverse("certification:credential_status_list", args=[code])).content
    return {vc.verify(token.decode(), _keys(client)).credential["id"]: token.decode()}


def _payload(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_the_credential_validates_against_the_open_badges_3_schema(client, cert):
    if SHARED.exists():  # the workspace's copy; the checkout carries the same file for CI
        assert SHARED.read_bytes() == VENDORED.read_bytes()
    schema = json.loads(VENDORED.read_text())
    credential = _payload(_download(client, cert))
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(credential), key=str)
    assert errors == [], [e.message for e in errors]
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["hashed"] is True
    assert subject["identifier"][0]["identityType"] == "nationalIdentityNumber"
    assert cert.person.reveal_id_number() not in json.dumps(credential)  # no plaintext ID
    assert subject["name"] == "王*育" and subject["creditsEarned"] == 120.0
    assert credential["issuer"]["id"].endswith(":provinces:530000")
    salt = subject["identifier"][0]["salt"]
    # Someone holding the ID number (an employer, say) can confirm it is hers.
    assert subject["identifier"][0]["identityHash"] == vc.identity_hash(
        cert.person.reveal_id_number(), salt
    )


def test_a_verifier_with_only_the_published_keys_and_list_finds_it_valid(client, cert):
    token = _download(client, cert)
    result = vc.verify(token, _keys(client), status_lists=_status_list(client))
    assert result.valid and result.revoked is False, result.problems
    did = client.get("/provinces/530000/did.json").json()
    assert did["id"] == result.credential["issuer"]["id"]
    assert [m["id"] for m in did["verificationMethod"]] == list(_keys(client))


def test_tampering_any_field_breaks_the_signature(client, cert):
    header, body, signature = _download(client, cert).split(".")
    credential = _payload(f"{header}.{body}.{signature}")
    credential["credentialSubject"]["creditsEarned"] = 240.0
    forged = base64.urlsafe_b64encode(json.dumps(credential).encode()).rstrip(b"=").decode()
    result = vc.verify(f"{header}.{forged}.{signature}", _keys(client))
    assert not result.valid and not result.signature_ok


def test_a_credential_signed_with_another_provinces_key_fails(client, cert, regions):
    token = _download(client, cert)
    gansu = signing_key(regions.gansu)
    forged = vc.sign(_payload(token), json.loads(pii.decrypt(bytes(gansu.private_jwk))))
    result = vc.verify(forged, _keys(client))
    assert result.signature_ok and not result.issuer_ok and not result.valid


def test_revoking_flips_the_status_bit_and_the_verify_page_and_command_say_so(
    client, cast, cert, tmp_path, capsys
):
    token = _download(client, cert)
    certificate_revoke(actor=cast.base_staff, certificate=cert, reason="证书信息有误")
    result = vc.verify(token, _keys(client), status_lists=_status_list(client))
    assert result.signature_ok and result.revoked is True and not result.valid

    page = client.get(reverse("certification:verify", args=[cert.verification_code]))
    assert "已撤销" in page.content.decode()

    (tmp_path / "c.jwt").write_text(token)
    (tmp_path / "jwks.json").write_text(client.get("/.well-known/jwks.json").content.decode())
    (tmp_path / "list.jwt").write_text(next(iter(_status_list(client).values())))
    with pytest.raises(CommandError):
        call_command(
            "verify_credential",
            str(tmp_path / "c.jwt"),
            jwks=str(tmp_path / "jwks.json"),
            status_list=str(tmp_path / "list.jwt"),
        )
    assert "已撤销" in capsys.readouterr().out


def test_the_command_accepts_a_valid_credential_offline(client, cert, tmp_path, capsys):
    (tmp_path / "c.jwt").write_text(_download(client, cert))
    (tmp_path / "jwks.json").write_text(client.get("/.well-known/jwks.json").content.decode())
    (tmp_path / "list.jwt").write_text(next(iter(_status_list(client).values())))
    call_command(
        "verify_credential",
        str(tmp_path / "c.jwt"),
        jwks=str(tmp_path / "jwks.json"),
        status_list=str(tmp_path / "list.jwt"),
    )
    assert "credential is valid" in capsys.readouterr().out
    (tmp_path / "bad.jwt").write_text("not-a-token")
    with pytest.raises(CommandError):
        call_command("verify_credential", str(tmp_path / "bad.jwt"))


def test_a_ban_revokes_the_certificate_and_its_credential_in_one_transaction(
    client, cast, cert, regions
):
    token = _download(client, cert)
    ban_create(
        actor=cast.regulator,
        id_type="resident",
        id_number=cast.worker.reveal_id_number(),
        name=cast.worker.name,
        region=regions.kunming,
        ban_type="lifetime",
        reason_category="abuse",
        decision_number="（2026）云01刑初88号",
        authority="昆明市中级人民法院",
        effective_date=dt.date(2026, 1, 1),
        reason_detail="殴打幼儿致伤",
    )
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED
    assert vc.verify(token, _keys(client), status_lists=_status_list(client)).revoked is True


def test_a_certificate_revoked_before_its_first_credential_is_listed_as_revoked(client, cast, orgs):
    revoked = CertificateFactory(person=cast.worker, issuer=orgs.base, revoked=True)
    token = _download(client, revoked)
    assert vc.verify(token, _keys(client), status_lists=_status_list(client)).revoked is True


def test_rotation_keeps_old_credentials_verifiable_and_signs_new_ones_with_the_new_key(
    client, cast, cert, orgs, regions
):
    old = _download(client, cert)
    call_command("rotate_signing_key", "530000")
    assert SigningKey.objects.filter(province=regions.yunnan).count() == 2
    assert AuditEvent.objects.filter(action="signing_key.rotate").exists()
    keys = _keys(client)
    assert vc.verify(old, keys).valid  # the retired key is still published
    newer = CertificateFactory(person=cast.worker, issuer=orgs.base)
    header = json.loads(base64.urlsafe_b64decode(_download(client, newer).split(".")[0] + "=="))
    assert header["kid"].endswith("#key-2")
    assert client.get("/provinces/530000/did.json").json()["assertionMethod"] == [header["kid"]]
    with pytest.raises(CommandError):
        call_command("rotate_signing_key", "999999")


def test_the_holder_downloads_hers_and_nobody_else_can(client, cast, cert, orgs):
    url = reverse("certification:certificate_credential", args=[cert.pk])
    client.force_login(cast.worker_user)
    page = client.get(reverse("certification:my_certificates")).content.decode()
    assert url in page  # "下载电子凭证" next to the PDF
    response = client.get(url)
    assert response.status_code == 200 and response.content.count(b".") == 2
    client.force_login(cast.outsider)
    assert client.get(url).status_code in (403, 404)


def test_a_credential_issued_today_is_valid_from_midnight_in_china(client, cast, orgs):
    """Issued on 8 December (a Beijing date) and downloaded at 01:00 Beijing time, which is
    still 7 December in UTC: valid at once, and not before that Beijing midnight."""
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base, issue_date=dt.date(2026, 12, 8))
    token = _download(client, cert)
    assert _payload(token)["validFrom"] == "2026-12-07T16:00:00Z"
    keys = _keys(client)
    one_am_in_beijing = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
    assert vc.verify(token, keys, now=one_am_in_beijing).valid
    an_hour_before = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)
    assert not vc.verify(token, keys, now=an_hour_before).valid
