"""The audit trail (D-33): the one module that writes and verifies audit rows (hash-chained).

Every layer may import it (views, API, tasks, services, access); it imports only models."""

import hashlib
import json

from django.db import connection, transaction

from certification.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works: it names the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK_ID = 7_201_311


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "region_path": event.region_path,
        "ip": event.ip_address,
        "data": event.data,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def audit_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(event)).hexdigest()


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    data: dict | None = None,
    ip: str | None = None,
    region_path: str = "",
) -> AuditEvent:
    """Append one audit row in the caller's transaction. If it fails, the caller's change fails.

    `data` must never hold a plaintext ID number: pass masked values or keyed hashes.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
    prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    prev_hash = prev or GENESIS_HASH
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor)[:128] if actor is not None else "system",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        region_path=region_path,
        ip_address=ip,
        data=json.loads(json.dumps(data or {}, default=str)),
        prev_hash=prev_hash,
    )
    event.at = event.at.replace(microsecond=event.at.microsecond)  # stored as-is in both DBs
    event.hash = audit_hash(event, prev_hash)
    event.save()
    return event


def audit_verify() -> list[str]:
    """Recompute the chain; return one message per broken link (empty list: intact)."""
    problems = []
    prev_hash = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev_hash:
            problems.append(f"audit #{event.pk}: previous-hash link broken (row removed?)")
        if audit_hash(event, event.prev_hash) != event.hash:
            problems.append(f"audit #{event.pk}: content does not match its hash (row edited)")
        prev_hash = event.hash
    return problems
