"""The audit trail (D-33): the one module that writes and verifies audit rows.

Tamper evidence in two parts (issue 14):
- a keyed chain: each row's hash is HMAC-SHA256(AUDIT_CHAIN_KEY, previous hash + the row), the
  key kept outside the database, so whoever can write the table cannot forge a consistent chain;
- signed checkpoints written outside the table (AUDIT_CHECKPOINT_PATH, an append-only file:
  point it at a separate, write-once volume in production): the last row's id and hash and the
  row count, HMAC-signed. `verify_audit` checks both, so deleting the newest rows (which leaves
  a consistent chain) and rewriting the whole chain are detected too.

Every layer may import it (views, API, tasks, services, access); it imports only models."""

import base64
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

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


def _chain_key() -> bytes:
    """AUDIT_CHAIN_KEY; a checkout whose .env predates it derives one from PII_INDEX_KEY (also
    outside the database, domain-separated). Production requires its own key."""
    if settings.AUDIT_CHAIN_KEY:
        return settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(settings.PII_INDEX_KEY.encode(), b"carecert-audit-chain", "sha256").digest()


def audit_hash(event: AuditEvent, prev_hash: str) -> str:
    return hmac.new(_chain_key(), prev_hash.encode() + _canonical(event), "sha256").hexdigest()


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_chain_lock() -> None:
    """Hold the chain's lock until the caller's transaction ends. Whatever must be numbered in
    commit order alongside the audit trail (the outbox's event sequence) takes this same lock,
    so two writers never wait on each other's locks in opposite order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


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
    audit_chain_lock()
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
    """Recompute the keyed chain; return one message per broken link (empty list: intact)."""
    problems = []
    prev_hash = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev_hash:
            problems.append(f"audit #{event.pk}: previous-hash link broken (row removed?)")
        if not hmac.compare_digest(audit_hash(event, event.prev_hash), event.hash):
            problems.append(f"audit #{event.pk}: content does not match its hash (row edited)")
        prev_hash = event.hash
    return problems


@dataclass(frozen=True)
class AuditCheckpoint:
    """The chain's head at one moment, signed with the chain key, kept outside the table."""

    last_id: int
    last_hash: str
    rows: int
    at: str
    signature: str = ""

    def _payload(self) -> bytes:
        return f"{self.last_id}|{self.last_hash}|{self.rows}|{self.at}".encode()

    def signed(self) -> "AuditCheckpoint":
        sig = hmac.new(_chain_key(), b"checkpoint|" + self._payload(), "sha256").digest()
        return AuditCheckpoint(**{**asdict(self), "signature": base64.b64encode(sig).decode()})

    @property
    def genuine(self) -> bool:
        return hmac.compare_digest(self.signed().signature, self.signature)


def _checkpoint_path(path=None) -> Path:
    return Path(path or settings.AUDIT_CHECKPOINT_PATH)


def audit_checkpoint_write(path=None) -> AuditCheckpoint:
    """Append the current head as a signed line (JSON) to the checkpoint file, flushed to disk."""
    head = AuditEvent.objects.order_by("-id").values("id", "hash").first()
    checkpoint = AuditCheckpoint(
        last_id=head["id"] if head else 0,
        last_hash=head["hash"] if head else GENESIS_HASH,
        rows=AuditEvent.objects.count(),
        at=timezone.now().isoformat(),
    ).signed()
    target = _checkpoint_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(checkpoint)) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return checkpoint


def audit_verify_checkpoints(path=None) -> tuple[AuditCheckpoint | None, list[str]]:
    """Check the table against every signed checkpoint in the file: the row each one names is
    there with the same hash, and as many rows lead up to it. Returns the newest genuine
    checkpoint (None when there is none yet) and one message per problem."""
    target = _checkpoint_path(path)
    if not target.exists():
        return None, []
    problems, latest = [], None
    for number, line in enumerate(target.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            checkpoint = AuditCheckpoint(**json.loads(line))
        except (ValueError, TypeError):
            problems.append(f"checkpoint line {number}: unreadable")
            continue
        if not checkpoint.genuine:
            problems.append(f"checkpoint line {number}: signature does not match (forged?)")
            continue
        latest = checkpoint
        if not checkpoint.last_id:
            continue
        row = AuditEvent.objects.filter(pk=checkpoint.last_id).values("hash").first()
        if row is None:
            problems.append(
                f"checkpoint of {checkpoint.at}: row #{checkpoint.last_id} is missing "
                "(the log was truncated)"
            )
        elif not hmac.compare_digest(row["hash"], checkpoint.last_hash):
            problems.append(
                f"checkpoint of {checkpoint.at}: row #{checkpoint.last_id} has another hash "
                "(the chain was rewritten)"
            )
        elif AuditEvent.objects.filter(pk__lte=checkpoint.last_id).count() != checkpoint.rows:
            problems.append(
                f"checkpoint of {checkpoint.at}: {checkpoint.rows} rows up to "
                f"#{checkpoint.last_id} expected (rows removed)"
            )
    return latest, problems


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
