"""Open Badges 3.0 credentials for certificates, signed as VC-JWT (issue 19, D-41).

Pure functions: the credential's content from a certificate's facts, the W3C Bitstring Status
List encoding, signing and verification with JOSE (jwcrypto, Ed25519 "EdDSA"). Nothing here
reads the database: services/credentials.py supplies keys and lists, and the offline command
supplies files.

Choices: each province is its own issuer, `did:web:<site>:provinces:<code>`, whose DID
document lists its keys; a key's `kid` is `<issuer DID>#<key id>`, so a credential signed
with another province's key names the wrong issuer and fails. The subject is identified only
by a salted SHA-256 of the ID number (OB 3.0 IdentityObject) and the masked name.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from jwcrypto import jwk, jws
from jwcrypto.common import JWException, json_encode

# A certificate's dates are dates in China: a credential issued on 8 December is valid from
# midnight Beijing time (16:00 UTC the day before), not from midnight UTC eight hours later.
CERTIFICATE_ZONE = ZoneInfo("Asia/Shanghai")

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ALG = "EdDSA"
MEDIA_TYPE = "application/vc+jwt"


def did_web(site_url: str, *path: str) -> str:
    """did:web for a site (and a path under it): the port's colon is percent-encoded."""
    host = quote(urlsplit(site_url).netloc, safe="")
    return ":".join(["did:web", host, *path])


def province_did(site_url: str, province_code: str) -> str:
    return did_web(site_url, "provinces", province_code)


def identity_hash(id_number: str, salt: str) -> str:
    """OB 3.0 IdentityHash: "sha256$" + hex digest of the plaintext followed by the salt."""
    return "sha256$" + hashlib.sha256((id_number + salt).encode()).hexdigest()


@dataclass(frozen=True)
class CertificateFacts:
    """What a credential says about one certificate (no plaintext personal data but the ID
    number to hash, which never leaves this module)."""

    credential_url: str
    verify_url: str
    serial: str
    kind_label: str
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria: str
    hours: str | None
    role_label: str
    issuer_did: str
    issuer_name: str
    issuer_url: str
    issued_on: dt.date
    valid_until: dt.date | None
    holder_masked_name: str
    id_number: str
    salt: str
    status_list_url: str
    status_index: int


def achievement_credential(f: CertificateFacts) -> dict:
    issued = dt.datetime.combine(f.issued_on, dt.time(), tzinfo=CERTIFICATE_ZONE)
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(f.id_number, f.salt),
                "identityType": "nationalIdentityNumber",
                "hashed": True,
                "salt": f.salt,
            }
        ],
        "name": f.holder_masked_name,
        "role": f.role_label,
        "licenseNumber": f.serial,
        "achievement": {
            "id": f.achievement_id,
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": f.achievement_name,
            "description": f.achievement_description,
            "criteria": {"narrative": f.criteria},
            "humanCode": f.serial,
            "inLanguage": "zh-CN",
        },
    }
    if f.hours is not None:
        subject["creditsEarned"] = float(f.hours)
        subject["achievement"]["creditsAvailable"] = float(f.hours)
    credential = {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": f.credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{f.kind_label} {f.serial}",
        "issuer": {
            "id": f.issuer_did,
            "type": ["Profile"],
            "name": f.issuer_name,
            "url": f.issuer_url,
        },
        "validFrom": _z(issued),
        "credentialSubject": subject,
        "credentialStatus": status_entry(f.status_list_url, f.status_index),
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "evidence": [{"id": f.verify_url, "type": ["Evidence"], "name": "CareCert verification"}],
    }
    if f.valid_until:
        until = dt.datetime.combine(f.valid_until, dt.time(23, 59, 59), tzinfo=CERTIFICATE_ZONE)
        credential["validUntil"] = _z(until)
    return credential


def status_entry(list_url: str, index: int) -> dict:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(*, list_url: str, issuer_did: str, bits: bytes, at: dt.datetime) -> dict:
    return {
        "@context": [VC2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": _z(at),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(bits),
        },
    }


# --- the bitstring: index 0 is the most significant bit of the first byte.


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_bit(bits: bytes, index: int, value: bool) -> bytes:
    data = bytearray(bits)
    if value:
        data[index // 8] |= 0x80 >> (index % 8)
    else:
        data[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF
    return bytes(data)


def encode_bits(bits: bytes) -> str:
    """Multibase base64url (prefix "u", no padding) of the GZIP-compressed bitstring; mtime 0
    keeps the encoding the same for the same bits."""
    packed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


# --- JOSE


def new_key(kid: str) -> jwk.JWK:
    return jwk.JWK.generate(kty="OKP", crv="Ed25519", kid=kid)


def sign(payload: dict, private_jwk: dict) -> str:
    key = jwk.JWK(**private_jwk)
    token = jws.JWS(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    header = {"alg": ALG, "kid": private_jwk["kid"], "typ": "vc+jwt", "cty": "vc"}
    token.add_signature(key, alg=ALG, protected=json_encode(header))
    return token.serialize(compact=True)


@dataclass
class Verification:
    """The outcome of checking a credential: `valid` only when the signature holds with a
    published key of the issuer it names, it is in its validity period, and (when its status
    list was checked) it is not revoked."""

    signature_ok: bool = False
    issuer_ok: bool = False
    in_period: bool = False
    revoked: bool | None = None
    credential: dict | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.signature_ok and self.issuer_ok and self.in_period and self.revoked is not True


def _open(token: str, keys: dict[str, dict]) -> tuple[dict | None, str | None, list[str]]:
    """(payload, kid, problems): the payload only when the signature verifies with the key the
    header names, taken from `keys` (kid → public JWK)."""
    try:
        parsed = jws.JWS()
        parsed.deserialize(token.strip())
        header = parsed.jose_header
    except (JWException, ValueError, TypeError) as exc:
        return None, None, [f"not a JWS: {exc}"]
    kid = header.get("kid") if isinstance(header, dict) else None
    if header.get("alg") != ALG:
        return None, kid, [f"unexpected algorithm {header.get('alg')!r}"]
    public = keys.get(kid or "")
    if public is None:
        return None, kid, [f"unknown key {kid!r}"]
    try:
        parsed.verify(jwk.JWK(**public), alg=ALG)
    except (JWException, ValueError, TypeError):
        return None, kid, ["signature does not verify"]
    try:
        return json.loads(parsed.payload), kid, []
    except ValueError:
        return None, kid, ["payload is not JSON"]


def _issuer_id(credential: dict) -> str:
    issuer = credential.get("issuer")
    return issuer.get("id", "") if isinstance(issuer, dict) else str(issuer or "")


def verify(
    token: str,
    keys: dict[str, dict],
    *,
    status_lists: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Verification:
    """Check a VC-JWT credential against published keys (kid → public JWK) and, for each
    status list given (its URL → its VC-JWT), the revocation bit."""
    result = Verification()
    payload, kid, problems = _open(token, keys)
    result.problems += problems
    if payload is None:
        return result
    result.signature_ok = True
    result.credential = payload
    issuer = _issuer_id(payload)
    result.issuer_ok = bool(kid) and kid.split("#", 1)[0] == issuer
    if not result.issuer_ok:
        result.problems.append(f"key {kid!r} does not belong to the issuer {issuer!r}")
    now = now or dt.datetime.now(dt.UTC)
    start, end = _when(payload.get("validFrom")), _when(payload.get("validUntil"))
    result.in_period = start is not None and start <= now and (end is None or now <= end)
    if not result.in_period:
        result.problems.append("outside its validity period")
    status = payload.get("credentialStatus") or {}
    list_url = status.get("statusListCredential")
    if status_lists is not None and list_url:
        result.revoked = _revoked(status, status_lists.get(list_url), keys, issuer, result)
    return result


def _revoked(status, list_token, keys, issuer, result) -> bool | None:
    if list_token is None:
        result.problems.append("status list not supplied")
        return None
    listed, kid, problems = _open(list_token, keys)
    if listed is None or _issuer_id(listed) != issuer or kid.split("#", 1)[0] != issuer:
        result.problems += problems or ["status list from another issuer"]
        return None
    try:
        bits = decode_bits(listed["credentialSubject"]["encodedList"])
        return bit_is_set(bits, int(status["statusListIndex"]))
    except (KeyError, ValueError, IndexError, TypeError, OSError) as exc:
        result.problems.append(f"unreadable status list: {exc}")
        return None


def _when(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
