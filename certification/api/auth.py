"""API key authentication (D-32): `Authorization: Bearer <secret>`.

The stored key_hash is HMAC-SHA256(PII_INDEX_KEY, secret): plain sha256 of a 32-byte random
secret would already resist guessing, but the keyed hash also makes the table useless without
the server key. Revoked keys are refused (401)."""

import datetime as dt
import hashlib
import hmac
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from ninja.openapi.views import openapi_json
from ninja.security import HttpBearer

from certification.access import is_staff_member
from certification.audit import audit_record
from certification.models import ApiKey

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


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


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
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
        key = (
            ApiKey.objects.select_related("organisation__region", "region")
            .filter(key_hash=key_hash(token), revoked_at__isnull=True)
            .first()
        )
        if key is None:
            return None
        now = timezone.now()
        # Record use at most once a minute: a write per request would make every concurrent
        # request of one key queue on the same row lock.
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
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
