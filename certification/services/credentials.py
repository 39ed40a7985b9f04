"""Signed credentials for certificates (issue 19, D-41): per-province Ed25519 keys, the Open
Badges 3.0 credential of a certificate, and the province's revocation status list, which a
revocation changes in its own transaction (certificates._revoke calls status_list_revoke).

What the public verify page shows (the check of the certificate's credential against the
published keys and its province's list) and the province's signed list are cached (issue 18:
signing and verifying them was most of the page's time) under the keys' and the list's version
tokens (selectors.credentials), which any change to those rows replaces, and, for a certificate,
under every input of its credential (`_credential_inputs`), its status and its list entry among
them: a revocation, a key rotation or an edit of the holder's name shows on the very next view."""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from certification import pii
from certification.audit import audit_record
from certification.models import Certificate, Region, SigningKey, StatusList
from certification.models.credentials import STATUS_LIST_SIZE
from certification.rules import credentials as vc
from certification.rules.certificates import mask_name
from certification.selectors.credentials import (
    certificate_province,
    certificate_province_code,
    credential_versions,
    credentials_changed,
    published_keys,
)

# How long a cached signed output may stand without any change seen: the net for a change that
# bypasses both the services and the model signals (raw SQL, a data migration).
CACHE_SECONDS = 600


class NoCredential(Exception):
    """The certificate has no issuing province (neither its issuer nor its holder has a
    region), so no province can sign for it."""


def site_url() -> str:
    return settings.SITE_BASE_URL.rstrip("/")


def _url(name: str, *args) -> str:
    return site_url() + reverse(f"certification:{name}", args=args)


def status_list_url(province: Region) -> str:
    return _url("credential_status_list", province.code)


def _new_key(province: Region, number: int) -> SigningKey:
    kid = f"{vc.province_did(site_url(), province.code)}#key-{number}"
    key = vc.new_key(kid)
    return SigningKey.objects.create(
        province=province,
        kid=kid,
        public_jwk=key.export_public(as_dict=True),
        private_jwk=pii.encrypt(key.export_private()),
    )


def signing_key(province: Region) -> SigningKey:
    """The province's active key, made on first use (audited like any key change)."""
    key = SigningKey.objects.filter(province=province, retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _new_key(province, SigningKey.objects.filter(province=province).count() + 1)
            audit_record(
                actor=None,
                action="signing_key.create",
                obj=key,
                data={"kid": key.kid},
                region_path=province.path,
            )
            return key
    except IntegrityError:  # made by a concurrent request: use theirs
        return SigningKey.objects.get(province=province, retired_at__isnull=True)


@transaction.atomic
def signing_key_rotate(*, actor, province: Region) -> SigningKey:
    """Retire the province's key and make the next one. The retired key stays published, so
    credentials it signed still verify; new credentials are signed with the new key."""
    Region.objects.select_for_update().get(pk=province.pk)  # one rotation at a time
    now = timezone.now()
    retired = list(
        SigningKey.objects.filter(province=province, retired_at__isnull=True).values_list(
            "kid", flat=True
        )
    )
    SigningKey.objects.filter(province=province, retired_at__isnull=True).update(retired_at=now)
    credentials_changed()  # a queryset update sends no signal
    key = _new_key(province, SigningKey.objects.filter(province=province).count() + 1)
    audit_record(
        actor=actor,
        action="signing_key.rotate",
        obj=key,
        data={"kid": key.kid, "retired": retired},
        region_path=province.path,
    )
    return key


# Decrypted private keys, per process, by their ciphertext: a key never changes once made
# (rotation makes a new one), so each is decrypted once rather than on every download.
_PRIVATE_JWKS: dict[bytes, dict] = {}


def _private_jwk(key: SigningKey) -> dict:
    sealed = bytes(key.private_jwk)
    if sealed not in _PRIVATE_JWKS:
        _PRIVATE_JWKS[sealed] = json.loads(pii.decrypt(sealed))
    return _PRIVATE_JWKS[sealed]


def _status_list_locked(province: Region) -> StatusList:
    StatusList.objects.get_or_create(
        province=province, defaults={"bits": bytes(STATUS_LIST_SIZE // 8)}
    )
    return StatusList.objects.select_for_update().get(province=province)


def _status_index(certificate: Certificate, province: Region) -> int:
    """The certificate's entry in the province's list, given on first use; a certificate that
    is already revoked gets its bit set at once."""
    if certificate.status_list_index is not None:
        return certificate.status_list_index
    return _status_index_allocate(certificate, province)


@transaction.atomic
def _status_index_allocate(certificate: Certificate, province: Region) -> int:
    listed = _status_list_locked(province)
    certificate.refresh_from_db(fields=["status_list_index", "status"])
    if certificate.status_list_index is not None:
        return certificate.status_list_index
    index = listed.next_index
    if index >= len(listed.bits) * 8:  # grow by another 16 KB rather than refuse
        listed.bits = bytes(listed.bits) + bytes(STATUS_LIST_SIZE // 8)
    listed.next_index = index + 1
    if certificate.status == Certificate.Status.REVOKED:
        listed.bits = vc.with_bit(bytes(listed.bits), index, True)
    listed.updated_at = timezone.now()
    listed.save()
    Certificate.objects.filter(pk=certificate.pk).update(status_list_index=index)
    certificate.status_list_index = index
    return index


def status_list_revoke(certificate: Certificate) -> None:
    """Set the certificate's revocation bit; runs inside the revocation's transaction, so the
    published list and the certificate's status never disagree."""
    if certificate.status_list_index is None:
        return  # no credential made yet: its bit is set when one is
    province = certificate_province(certificate)
    if province is None:
        return
    listed = _status_list_locked(province)
    listed.bits = vc.with_bit(bytes(listed.bits), certificate.status_list_index, True)
    listed.updated_at = timezone.now()
    listed.save(update_fields=["bits", "updated_at"])


def _facts(certificate: Certificate, province: Region, index: int) -> vc.CertificateFacts:
    course = certificate.course
    kind = certificate.get_kind_display()
    if course is not None:
        name = course.title
    elif certificate.kind == Certificate.Kind.SKILL_LEVEL:
        name = f"{certificate.get_occupation_display()} {certificate.get_level_display()}"
    else:
        name = kind
    hours = f"{certificate.hours:.1f}" if certificate.hours is not None else None
    role = ""
    if certificate.cycle_summary_id:
        role = certificate.cycle_summary.get_role_display()
    description = f"{kind}：{name}" + (f"（{hours} 学时）" if hours else "")
    return vc.CertificateFacts(
        credential_url=_url("verify_credential", certificate.verification_code),
        verify_url=_url("verify", certificate.verification_code),
        serial=certificate.serial,
        kind_label=kind,
        achievement_id=site_url()
        + (course.url if course is not None and course.url else "/")
        + f"#{certificate.kind}",
        achievement_name=name,
        achievement_description=description,
        criteria=description,
        hours=hours,
        role_label=role,
        issuer_did=vc.province_did(site_url(), province.code),
        issuer_name=certificate.issuer_name,
        issuer_url=site_url() + "/",
        issued_on=certificate.issue_date,
        valid_until=None,
        holder_masked_name=mask_name(certificate.person.name),
        id_number=certificate.person.reveal_id_number(),
        salt=pii.blind_index(certificate.verification_code, purpose="ob3-salt")[:16],
        status_list_url=status_list_url(province),
        status_index=index,
    )


def certificate_credential(certificate: Certificate) -> str:
    """The certificate's OpenBadgeCredential as a VC-JWT signed by its province's key."""
    province = certificate_province(certificate)
    if province is None:
        raise NoCredential(certificate.serial)
    return _credential(certificate, province, signing_key(province))


def _credential(certificate: Certificate, province: Region, key: SigningKey) -> str:
    index = _status_index(certificate, province)
    payload = vc.achievement_credential(_facts(certificate, province, index))
    return vc.sign(payload, _private_jwk(key))


def _cache_key(kind: str, *parts) -> str:
    return f"credentials:{kind}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def status_list_credential(province: Region) -> str:
    """The province's BitstringStatusListCredential as a VC-JWT, as of now (cached until its
    list or the keys change)."""
    versions = credential_versions(province.code)
    key = _cache_key("list", site_url(), province.code, *versions)
    token = cache.get(key)
    if token is None:
        token = _status_list_credential(province, signing_key(province))
        cache.set(key, token, CACHE_SECONDS)
    return token


def _status_list_credential(province: Region, key: SigningKey) -> str:
    listed = StatusList.objects.filter(province=province).first()
    bits = bytes(listed.bits) if listed else bytes(STATUS_LIST_SIZE // 8)
    at = listed.updated_at if listed else timezone.now()
    payload = vc.status_list_credential(
        list_url=status_list_url(province),
        issuer_did=vc.province_did(site_url(), province.code),
        bits=bits,
        at=at,
    )
    return vc.sign(payload, _private_jwk(key))


def _credential_inputs(certificate: Certificate, province_code: str) -> tuple:
    """Everything `_facts` and `_status_index` read to make the certificate's credential: the
    same inputs under the same key make the same credential (Ed25519 signatures are
    deterministic). A field `_facts` starts reading must be added here."""
    course = certificate.course
    person = certificate.person
    return (
        site_url(),
        translation.get_language(),  # the kind and role labels
        province_code,
        certificate.pk,
        certificate.verification_code,
        certificate.serial,
        certificate.kind,
        certificate.occupation,
        certificate.level,
        str(certificate.hours),
        certificate.cycle_summary_id,  # its role is part of the summary's identity
        certificate.issuer_name,
        certificate.issue_date,
        certificate.status,
        certificate.revoked_at,
        certificate.status_list_index,
        person.pk,
        person.name,
        person.id_index,  # changes with the ID number whose salted hash the credential holds
        None if course is None else (course.pk, course.title, course.url_path),
    )


def certificate_credential_check(certificate: Certificate) -> vc.Verification | None:
    """What a verifier finds today for the certificate's credential: signed with a published
    key of its province, and its bit in the province's status list. None when no province can
    sign for it. `certificate_credential_and_check` says how it is cached."""
    checked = certificate_credential_and_check(certificate)
    return None if checked is None else checked[1]


def certificate_credential_and_check(
    certificate: Certificate,
) -> tuple[str, vc.Verification] | None:
    """The certificate's credential (VC-JWT) and what a verifier finds for it today, or None
    when no province can sign for it.

    The public verify page's hot path (issue 18): both come from the cache, kept under every
    input of the credential and the keys' and the province list's version tokens (read before
    the rows, so an entry made from rows a change replaced is never found). An outcome is kept
    only once the credential is in its validity period (it has no end)."""
    code = certificate_province_code(certificate)
    if code is None:
        return None
    if certificate.status_list_index is None:
        # First use: its list entry (one of the inputs) and the province's key (a new key
        # replaces the keys' token) before the tokens are read, so this outcome is kept too.
        province = certificate_province(certificate)
        if province is None:
            return None
        signing_key(province)
        _status_index(certificate, province)
    key = _cache_key("check", *_credential_inputs(certificate, code), *credential_versions(code))
    checked = cache.get(key)
    if checked is None:
        checked = _credential_and_check(certificate, code)
        if checked is not None and _lasting(checked[1]):
            cache.set(key, checked, CACHE_SECONDS)
    return checked


def _lasting(check: vc.Verification) -> bool:
    """The outcome stands until an input changes: in its validity period, which has no end."""
    return check.in_period and "validUntil" not in (check.credential or {})


def _credential_and_check(
    certificate: Certificate, code: str
) -> tuple[str, vc.Verification] | None:
    """Made from the rows: one read of the published keys gives the province, its active key
    and the verifier's key set; only a province's first credential takes the longer way (its
    key is made)."""
    published = list(published_keys())
    key = next((k for k in published if k.province_id == code and k.retired_at is None), None)
    if key is None:
        province = certificate_province(certificate)
        if province is None:
            return None
        key = signing_key(province)
        published = list(published_keys())
    province = key.province
    token = _credential(certificate, province, key)
    lists = {status_list_url(province): _status_list_credential(province, key)}
    return token, vc.verify(token, {k.kid: k.public_jwk for k in published}, status_lists=lists)
