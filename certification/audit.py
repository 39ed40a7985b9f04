"""The audit trail (D-33): the one module that writes and verifies audit rows (hash-chained).

Every layer may import it (views, API, tasks, services, access); it imports only models."""

import hashlib
import json

from django.core.exceptions import PermissionDenied
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


class AuditedRefusal(PermissionDenied):
    """A refusal whose audit row was written where it was decided. The caller's transaction may
    roll that row back with everything else; the request, API and task boundaries then call
    `audit_refusal_survive`, which writes it again outside the rolled-back transaction."""

    def __init__(self, message, record: dict, event_id: int):
        super().__init__(message)
        self.record = record
        self.event_id = event_id

    def __reduce__(self):  # Celery pickles a task's exception; keep what the boundary needs
        return (type(self), (self.args[0] if self.args else "", self.record, self.event_id))


def audit_refusal(*, actor, attempted: str, message, obj=None, ip: str | None = None):
    """Write the `access.denied` row and return the exception to raise."""
    record = {
        "actor": actor if getattr(actor, "pk", None) else None,
        "action": "access.denied",
        "obj": obj,
        "data": {"attempted": attempted},
        "ip": ip,
    }
    event = audit_record(**record)
    return AuditedRefusal(message, record=record, event_id=event.pk)


def audit_refusal_survive(exc: BaseException) -> None:
    """At a boundary, after every atomic block of the refused action has exited: re-append the
    refusal's row if a rollback took it. Objects the rollback removed are named by id only."""
    if not isinstance(exc, AuditedRefusal) or connection.needs_rollback:
        return
    if AuditEvent.objects.filter(pk=exc.event_id).exists():
        return
    record = dict(exc.record)
    obj = record.pop("obj")
    data = dict(record.pop("data"), kept_after_rollback=True)
    if obj is not None:
        data["object"] = f"{obj._meta.label}:{obj.pk}"
        obj = obj if type(obj).objects.filter(pk=obj.pk).exists() else None
    exc.event_id = audit_record(obj=obj, data=data, **record).pk
