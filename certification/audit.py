"""The audit trail (D-33): the one module that writes, seals and verifies audit rows.

Tamper evidence in three parts (issues 14 and 18), all keyed with AUDIT_CHAIN_KEY, which is kept
outside the database, so whoever can write the table cannot forge any of them:
- each row is written with a MAC of its content (`mac`), without any lock: audited writes do
  not wait on each other (issue 18; before, one lock held to the commit capped the whole
  installation at a few hundred audited writes per second);
- a sealer (`audit_seal`: the Celery task every few seconds, and before every verification or
  checkpoint) chains the committed rows: each gets the next position (`seq`, 1, 2, 3 … without
  gaps) and a hash HMAC(previous hash + the row). Only the sealer takes a lock. A row committed
  late (its transaction ran long) is sealed in the next round, after rows committed before it:
  the chain's order is the order rows became visible to the sealer, final once sealed. A row
  whose MAC does not match is never sealed, and verification reports it;
- signed checkpoints written outside the table (AUDIT_CHECKPOINT_PATH, an append-only file:
  point it at a separate, write-once volume in production): the last sealed row's id and hash
  and its position, HMAC-signed. `verify_audit` checks all three, so deleting the newest rows
  (which leaves a consistent chain) and rewriting the whole chain are detected too.

Why not seal in transaction-id order below the snapshot's xmin: any long transaction anywhere
in the database (a pg_dump, a report) would then hold every later row unsealed until it ends.

Every layer may import it (views, API, tasks, services, access); it imports only models."""

import base64
import hmac
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from certification.models import AuditEvent

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any constant works: it names the PostgreSQL advisory lock the sealer holds (writers never do).
_SEAL_LOCK_ID = 7_201_318
SEAL_BATCH = 2000
# A row still unsealed this long after it was written is reported: the sealer is stuck.
UNSEALED_GRACE = timedelta(minutes=5)


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


def audit_mac(event: AuditEvent) -> str:
    """The row's own MAC, written with it (domain-separated from the chain's hashes)."""
    return hmac.new(_chain_key(), b"row|" + _canonical(event), "sha256").hexdigest()


def _matches(expected: str, stored: str | None) -> bool:
    """Constant-time comparison that also takes what raw SQL may have left (NULL, non-ASCII)."""
    return hmac.compare_digest(expected.encode(), (stored or "").encode())


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


_INSERT_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "region_path",
    "ip_address",
    "mac",
    "data",
)
_INSERT = (
    f"INSERT INTO certification_auditevent ({', '.join(_INSERT_FIELDS)})"  # noqa: S608 - constants
    f" VALUES ({', '.join(['%s'] * len(_INSERT_FIELDS))}) RETURNING id"
)


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
    One INSERT, no lock: the row joins the chain when the sealer next runs after the commit.

    `data` must never hold a plaintext ID number: pass masked values or keyed hashes.
    """
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor)[:128] if actor is not None else "system",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        region_path=region_path,
        ip_address=ip,
        data=json.loads(json.dumps(data or {}, default=str)),
    )
    event.mac = audit_mac(event)
    with connection.cursor() as cursor:
        # One plain INSERT: the ORM's save costs a third more CPU here, on every audited write.
        cursor.execute(
            _INSERT, [getattr(event, f) for f in _INSERT_FIELDS[:-1]] + [Jsonb(event.data)]
        )
        event.pk = cursor.fetchone()[0]
    event._state.adding, event._state.db = False, connection.alias
    return event


def _seal_lock(wait: bool) -> bool:
    """Take the sealer's lock until the transaction ends; False if busy and not waiting."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK_ID])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SEAL_LOCK_ID])
        return cursor.fetchone()[0]


def _seal_batch(after_id: int) -> tuple[int, int | None]:
    """Chain up to SEAL_BATCH committed unsealed rows (id order) after the sealed head, in one
    UPDATE. Returns (rows sealed, last id looked at; None when nothing was left)."""
    head = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    seq, prev_hash = head or (0, GENESIS_HASH)
    rows = list(AuditEvent.objects.filter(seq=None, id__gt=after_id).order_by("id")[:SEAL_BATCH])
    if not rows:
        return 0, None
    ids, seqs, prevs, hashes = [], [], [], []
    for event in rows:
        if not _matches(audit_mac(event), event.mac):
            # Edited or forged since it was written: left out of the chain; audit_verify says so.
            logger.error("audit #%s: MAC does not match, not sealed", event.pk)
            continue
        seq += 1
        event_hash = audit_hash(event, prev_hash)
        ids.append(event.pk)
        seqs.append(seq)
        prevs.append(prev_hash)
        hashes.append(event_hash)
        prev_hash = event_hash
    if ids:
        with connection.cursor() as cursor:
            # Raw SQL: the model layer refuses updates; the trigger lets exactly this through.
            cursor.execute(
                "UPDATE certification_auditevent AS a"
                " SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash"
                " FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[])"
                " AS v(id, seq, prev_hash, hash)"
                " WHERE a.id = v.id AND a.seq IS NULL",
                [ids, seqs, prevs, hashes],
            )
            if cursor.rowcount != len(ids):
                raise RuntimeError("audit rows changed while being sealed")
    return len(ids), rows[-1].pk


def audit_seal(*, wait: bool = True) -> int:
    """Seal every committed row not yet in the chain, a batch per transaction; returns how many.
    `wait=False` (the periodic task) returns 0 at once when another sealer is running."""
    total, after_id = 0, 0
    while True:
        with transaction.atomic():
            if not _seal_lock(wait):
                return total
            sealed, after_id = _seal_batch(after_id)
        total += sealed
        if after_id is None:
            return total


def _unsealed_problems() -> list[str]:
    problems = []
    stale = timezone.now() - UNSEALED_GRACE
    for event in AuditEvent.objects.filter(seq=None).order_by("id").iterator(chunk_size=2000):
        if not _matches(audit_mac(event), event.mac):
            problems.append(
                f"audit #{event.pk}: content does not match its MAC (row edited or forged)"
            )
        elif event.at < stale:
            problems.append(
                f"audit #{event.pk}: not sealed since {event.at:%Y-%m-%d %H:%M} "
                "(is the sealing task running?)"
            )
    return problems


def audit_verify(*, seal: bool = True) -> list[str]:
    """Seal what is due (unless `seal=False`: a read-only check), recompute the keyed chain in
    its order and check the rows not in it; return one message per problem (empty: intact)."""
    if seal:
        audit_seal()
    problems = []
    prev_hash, expected = GENESIS_HASH, 1
    chain = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    for event in chain.iterator(chunk_size=2000):
        if event.prev_hash != prev_hash or event.seq != expected:
            problems.append(f"audit #{event.pk}: previous-hash link broken (row removed?)")
        if not _matches(audit_hash(event, event.prev_hash or ""), event.hash):
            problems.append(f"audit #{event.pk}: content does not match its hash (row edited)")
        prev_hash, expected = event.hash, event.seq + 1
    return problems + _unsealed_problems()


def audit_unsealed_count() -> int:
    """Rows written but not (yet) in the chain."""
    return AuditEvent.objects.filter(seq=None).count()


@dataclass(frozen=True)
class AuditCheckpoint:
    """The chain's head at one moment, signed with the chain key, kept outside the table.
    `rows` is the head's position in the chain (`seq`): the number of sealed rows up to it."""

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
    """Seal what is due, then append the sealed head as a signed line (JSON) to the checkpoint
    file, flushed to disk."""
    audit_seal()
    head = (
        AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").values("id", "hash", "seq")
    ).first()
    checkpoint = AuditCheckpoint(
        last_id=head["id"] if head else 0,
        last_hash=head["hash"] if head else GENESIS_HASH,
        rows=head["seq"] if head else 0,
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
    there with the same hash at the same position, and as many sealed rows lead up to it. Returns the newest genuine
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
        row = AuditEvent.objects.filter(pk=checkpoint.last_id).values("hash", "seq").first()
        if row is None:
            problems.append(
                f"checkpoint of {checkpoint.at}: row #{checkpoint.last_id} is missing "
                "(the log was truncated)"
            )
        elif not _matches(checkpoint.last_hash, row["hash"]):
            problems.append(
                f"checkpoint of {checkpoint.at}: row #{checkpoint.last_id} has another hash "
                "(the chain was rewritten)"
            )
        elif (
            row["seq"] != checkpoint.rows
            or AuditEvent.objects.filter(seq__lte=checkpoint.rows).count() != checkpoint.rows
        ):
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
