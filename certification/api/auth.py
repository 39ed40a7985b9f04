"""API key authentication (D-32): `Authorization: Bearer <secret>`.

The stored key_hash is HMAC-SHA256(PII_INDEX_KEY, secret): plain sha256 of a 32-byte random
secret would already resist guessing, but the keyed hash also makes the table useless without
the server key. Revoked keys are refused (401).

Resolved keys are cached per key hash (issue 18: the lookup was half of a verify call's CPU),
with the key's service account and scope attached (principal.key_actor). Any change to a key
marks its entry stale at once: a revocation (`api_key_revoke`), a saved key (its role,
organisation or region), a saved organisation (its keys' region). A stale mark is set before
the change commits and outlives any entry filled before it (entries are only ever *added*, so a
request that read the old row cannot put it back), so the very next request reads the database.
KEY_CACHE_SECONDS is the net for what no signal sees (a region moved in the tree)."""

import datetime as dt
import hashlib
import hmac
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils import timezone
from ninja.openapi.views import openapi_json
from ninja.security import HttpBearer

from certification.access import is_staff_member
from certification.api.principal import key_actor
from certification.audit import audit_record
from certification.models import ApiKey, Organisation

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
KEY_CACHE_SECONDS = 60
_STALE = "stale"


def key_hash(secret: str) -> str:
    return hmac.new(settings.PII_INDEX_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def api_key_create(
    *, actor, name: str, role: str, organisation=None, region=None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret (shown once, never stored)."""
    secret = "cc_" + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        role=role,
        organisation=organisation,
        region=region,
        prefix=secret[:8],
        key_hash=key_hash(secret),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="api_key.create",
        obj=key,
        data={"role": role, "prefix": key.prefix},
        region_path=key.scope_path,
    )
    return key, secret


def _cache_key(digest: str) -> str:
    return f"api-key:{digest}"


def api_keys_changed(digests) -> None:
    """Mark the keys' cached entries stale: their next request reads the database."""
    cache.set_many({_cache_key(d): _STALE for d in digests}, timeout=KEY_CACHE_SECONDS)


@receiver(post_save, sender=ApiKey, dispatch_uid="api-key-cache-key")
def _key_saved(sender, instance, created, **kwargs):
    if not created:  # a new secret has no entry yet
        api_keys_changed([instance.key_hash])


@receiver(post_save, sender=Organisation, dispatch_uid="api-key-cache-organisation")
def _organisation_saved(sender, instance, created, **kwargs):
    if not created:
        api_keys_changed(instance.api_keys.values_list("key_hash", flat=True))


def api_key_resolve(token: str) -> ApiKey | None:
    """The unrevoked key with this secret, its service account attached; None otherwise."""
    digest = key_hash(token)
    cached = cache.get(_cache_key(digest))
    if isinstance(cached, ApiKey):
        return cached
    key = (
        ApiKey.objects.select_related("organisation__region", "region")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    key_actor(key)
    if cached is None:  # not while marked stale: this read may predate the change
        cache.add(_cache_key(digest), key, timeout=KEY_CACHE_SECONDS)
    return key


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    api_keys_changed([key.key_hash])
    updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(
            actor=actor,
            action="api_key.revoke",
            obj=key,
            data={"prefix": key.prefix},
            region_path=key.scope_path,
        )
    key.refresh_from_db()
    return key


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        key = api_key_resolve(token)
        if key is None:
            return None
        now = timezone.now()
        # Record use at most once a minute (one process wins the cache entry): a write per
        # request would make every concurrent request of one key queue on the same row lock.
        if (
            key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION
        ) and cache.add(f"api-key-used:{key.key_hash}", 1, LAST_USED_RESOLUTION.total_seconds()):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        request.api_key = key
        return key


def _is_staff(user) -> bool:

    return user.is_authenticated and (user.is_staff or is_staff_member(user))


def staff_docs(view):
    """Interactive docs for logged-in staff only (anonymous → login redirect, non-staff → 403)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not _is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def key_or_staff(view):
    """The OpenAPI description: readable with a valid API key (the integrating systems' own
    tooling) or by logged-in staff (the docs page loads it with the session); anyone else gets
    the API's 401 JSON error. It describes the interface only, never data."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if _is_staff(request.user) or ApiKeyAuth()(request) is not None:
            return view(request, *args, **kwargs)
        return JsonResponse(
            {"code": "unauthenticated", "message": "接口密钥无效或已撤销", "errors": []}, status=401
        )

    return wrapped


def docs_access(view):
    """ninja's docs_decorator wraps both the JSON description and the docs page: the JSON gets
    key-or-staff access, the page staff-only."""

    if getattr(view, "func", None) is openapi_json:
        return key_or_staff(view)
    return staff_docs(view)
