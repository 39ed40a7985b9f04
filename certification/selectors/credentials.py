"""Reads behind signed credentials: which province a certificate belongs to, the keys a
verifier may use, and the version tokens the cached signed outputs are kept under."""

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from certification.models import Certificate, Region, SigningKey, StatusList


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


# --- Version tokens of the keys and of each province's status list (issue 18): the signed
# outputs the verify page shows are cached under them (services.credentials), and any change
# to a SigningKey or StatusList row replaces the token, at the change and again at commit (a
# process that read the old rows in between must read again), so a revocation or a key
# rotation shows on the very next view. Tokens live in the shared cache (Redis in production).

_KEYS_VERSION = "credentials:keys:version"


def _list_version(province_code: str) -> str:
    return f"credentials:list:version:{province_code}"


def _bump(*names: str) -> None:
    cache.set_many({name: uuid.uuid4().hex for name in names}, timeout=None)


def credentials_changed(province_code: str | None = None) -> None:
    """The keys changed (no province code) or a province's status list did."""
    names = (_KEYS_VERSION,) if province_code is None else (_list_version(province_code),)
    _bump(*names)
    transaction.on_commit(lambda: _bump(*names))


def credential_versions(province_code: str) -> tuple[str, str]:
    """(keys token, the province's list token), read before the rows they stand for."""
    names = (_KEYS_VERSION, _list_version(province_code))
    found = cache.get_many(names)
    if len(found) < len(names):  # first use, or the cache lost them: a new token is a clean start
        for name in names:
            if name not in found:
                cache.add(name, uuid.uuid4().hex, timeout=None)
        found = cache.get_many(names)
    return found[names[0]], found[names[1]]


def _on_key_change(sender, **kwargs) -> None:
    credentials_changed()


def _on_list_change(sender, instance, **kwargs) -> None:
    credentials_changed(instance.province_id)


# Direct saves (the admin, the shell, fixtures) invalidate too; the services call
# credentials_changed() themselves for their queryset updates, which send no signal.
post_save.connect(_on_key_change, sender=SigningKey, dispatch_uid="credentials-cache-key")
post_delete.connect(_on_key_change, sender=SigningKey, dispatch_uid="credentials-cache-key-del")
post_save.connect(_on_list_change, sender=StatusList, dispatch_uid="credentials-cache-list")
post_delete.connect(_on_list_change, sender=StatusList, dispatch_uid="credentials-cache-list-del")
