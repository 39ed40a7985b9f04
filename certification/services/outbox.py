"""D-40: the transactional outbox and its delivery to the national 托育服务信息管理系统.

`outbox_emit` is called by the services that make a change (person registration, hiring and
leaving, certificate issue and revocation, a ban), inside their transaction: the event and its
deliveries commit or roll back with the change. A delivery task is queued after the commit.

Delivery (`outbox_deliver_due`, Celery every minute and after each emit): per receiver, the
oldest pending delivery first. The receiver's row is locked (SELECT … FOR NO KEY UPDATE SKIP LOCKED)
for the whole attempt, so two workers never post to one receiver at once and never send one
delivery twice at once; a delivery is marked delivered only after a 2xx, in the transaction
that holds the lock. A worker killed mid-post leaves the delivery pending (its transaction rolls
back) and the next worker sends it again with the same idempotency key: at least once.

Order: a failing delivery blocks the receiver's later events while it is retried with
exponential back-off. After OUTBOX_MAX_ATTEMPTS it is dead-lettered and stops blocking, so one
event a receiver keeps refusing does not halt the national feed; an administrator retries it
from the outbox page. Every body carries its sequence number for a receiver to order by.
"""

import json

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import pii, queue
from certification.access.certificates import certificate_region_path
from certification.audit import audit_record
from certification.models import (
    BanEntry,
    Certificate,
    Delivery,
    DeliveryStatus,
    Employment,
    EventType,
    OutboxEvent,
    Person,
    Receiver,
)
from certification.rules.outbox import receiver_url_problem, retry_delay
from cms.webhooks import signed_headers

# The only status changes a delivery has (delivery_transition).
TRANSITIONS = {
    DeliveryStatus.PENDING: {DeliveryStatus.DELIVERED, DeliveryStatus.DEAD},
    DeliveryStatus.DEAD: {DeliveryStatus.PENDING},  # an administrator's retry
    DeliveryStatus.DELIVERED: set(),
}
MIN_SECRET_LENGTH = 16
# Any constant works: it names the PostgreSQL advisory lock that numbers events in commit order
# (the audit chain's former lock id; audited writes no longer take any lock).
_SEQUENCE_LOCK_ID = 7_201_311


# --- Payloads: keyed hashes and masked numbers, never a plaintext ID number ----------------
def _person(person: Person) -> dict:
    return {
        "id_type": person.id_type,
        "id_index": person.id_index,
        "id_masked": person.id_masked,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "region_code": person.region_id,
    }


def _organisation(org) -> dict | None:
    if org is None:
        return None
    return {"credit_code": org.credit_code, "name": org.name, "region_code": org.region_id}


def _employment(employment: Employment) -> dict:
    return {
        "employment_id": employment.pk,
        "person": _person(employment.person),
        "institution": _organisation(employment.institution),
        "role": employment.role,
        "start_date": employment.start_date.isoformat(),
        "end_date": employment.end_date.isoformat() if employment.end_date else None,
    }


def _certificate(cert: Certificate) -> dict:
    return {
        "serial": cert.serial,
        "kind": cert.kind,
        "person": _person(cert.person),
        "issuer": _organisation(cert.issuer),
        "issuer_name": cert.issuer_name,
        "occupation": cert.occupation,
        "level": cert.level,
        "hours": str(cert.hours) if cert.hours is not None else None,
        "issue_date": cert.issue_date.isoformat(),
        "status": cert.status,
        "revoked_at": cert.revoked_at.isoformat() if cert.revoked_at else None,
        "revocation_reason": cert.revocation_reason,
    }


def _ban(entry: BanEntry) -> dict:
    return {
        "ban_id": entry.pk,
        "id_type": entry.id_type,
        "id_index": entry.id_index,
        "id_masked": entry.id_masked,
        "name": entry.name,
        "ban_type": entry.ban_type,
        "term_start": entry.term_start.isoformat() if entry.term_start else None,
        "term_end": entry.term_end.isoformat() if entry.term_end else None,
        "reason_category": entry.reason_category,
        "decision_number": entry.decision_number,
        "authority": entry.authority,
        "effective_date": entry.effective_date.isoformat(),
        "region_code": entry.region_id,
    }


def _described(event_type: str, obj) -> tuple[str, dict, str]:
    """(aggregate type, payload, region path) of the object an event is about."""
    if event_type == EventType.PERSON_REGISTERED:
        return "person", _person(obj), obj.region.path if obj.region_id else ""
    if event_type in (EventType.EMPLOYMENT_STARTED, EventType.EMPLOYMENT_ENDED):
        return "employment", _employment(obj), obj.institution.region.path
    if event_type in (EventType.CERTIFICATE_ISSUED, EventType.CERTIFICATE_REVOKED):
        return "certificate", _certificate(obj), certificate_region_path(obj)
    if event_type == EventType.BAN_REGISTERED:
        return "ban", _ban(obj), obj.region.path
    raise ValueError(f"unknown outbox event type {event_type!r}")


def _wants(receiver: Receiver, event: OutboxEvent) -> bool:
    if event.event_type not in receiver.event_types:
        return False
    if receiver.region_id is None:
        return True
    return event.region_path.startswith(receiver.region.path)


def _sequence_lock() -> None:
    """Hold the outbox's sequence lock until the caller's transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCE_LOCK_ID])


def outbox_emit(event_type: str, obj) -> OutboxEvent:
    """Record that `obj` (a Person, Employment, Certificate or BanEntry) changed, in the
    caller's transaction, with a delivery to each active receiver that takes this event type
    in this region. The sequence is taken under the outbox's own lock (held to the commit), so
    sequence order is commit order."""
    aggregate_type, payload, region_path = _described(event_type, obj)
    with transaction.atomic():
        _sequence_lock()
        last = OutboxEvent.objects.aggregate(last=Max("sequence"))["last"] or 0
        event = OutboxEvent.objects.create(
            sequence=last + 1,
            event_type=event_type,
            aggregate_type=aggregate_type,
            aggregate_id=str(obj.pk),
            region_path=region_path,
            payload=payload,
        )
        receivers = [
            r
            for r in Receiver.objects.filter(is_active=True).select_related("region")
            if _wants(r, event)
        ]
        Delivery.objects.bulk_create([Delivery(event=event, receiver=r) for r in receivers])
    for receiver in receivers:
        queue.enqueue_after_commit(queue.DELIVER_OUTBOX, receiver_id=receiver.pk)
    return event


# --- Delivery -----------------------------------------------------------------------------
def outbox_body(event: OutboxEvent) -> bytes:
    """The JSON posted for an event: the same bytes on every attempt."""
    message = {
        "id": str(event.idempotency_key),
        "type": event.event_type,
        "sequence": event.sequence,
        "occurred_at": event.created_at.isoformat(),
        "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
        "data": event.payload,
    }
    return json.dumps(message, ensure_ascii=False, sort_keys=True).encode()


def _post(receiver: Receiver, event: OutboxEvent) -> str:
    """Post one event; "" on a 2xx, else a short reason (never the response body)."""
    problem = receiver_url_problem(
        receiver.url, allow_loopback_http=settings.OUTBOX_ALLOW_LOOPBACK_HTTP
    )
    if problem:
        return problem
    body = outbox_body(event)
    headers = signed_headers(pii.decrypt(receiver.secret_cipher), body)
    headers.update(
        {
            "Idempotency-Key": str(event.idempotency_key),
            "X-CareCert-Event": event.event_type,
            "X-CareCert-Sequence": str(event.sequence),
        }
    )
    try:
        response = requests.post(
            receiver.url,
            data=body,
            headers=headers,
            timeout=settings.OUTBOX_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return type(exc).__name__
    if 200 <= response.status_code < 300:
        return ""
    return f"HTTP {response.status_code}"


@transaction.atomic
def delivery_transition(
    *, actor, delivery: Delivery, to: str, error: str = "", ip: str | None = None
) -> Delivery:
    """A delivery's one way to change status (TRANSITIONS), audited. Raises ValidationError
    for a move its status does not allow."""
    if to not in TRANSITIONS[delivery.status]:
        raise ValidationError(_("该推送记录的状态不允许此操作。"))
    before = delivery.status
    now = timezone.now()
    delivery.status = to
    if to == DeliveryStatus.DELIVERED:
        delivery.delivered_at = now
        delivery.last_error = ""
    elif to == DeliveryStatus.DEAD:
        delivery.last_error = error[:255]
    else:  # retried: a fresh round of attempts, starting now
        delivery.attempts = 0
        delivery.next_attempt_at = now
    delivery.save(
        update_fields=["status", "attempts", "next_attempt_at", "last_error", "delivered_at"]
    )
    receiver = delivery.receiver
    audit_record(
        actor=actor,
        action=f"outbox.{to}",
        obj=delivery,
        ip=ip,
        region_path=receiver.region.path if receiver.region_id else "",
        data={
            "from": before,
            "event": delivery.event.sequence,
            "event_type": delivery.event.event_type,
            "receiver": receiver.pk,
            "attempts": delivery.attempts,
        },
    )
    return delivery


def _deliver_next(receiver_id: int, now) -> str | None:
    """Attempt the receiver's oldest pending delivery: "delivered", "failed", "dead", or None
    when there is nothing due (or another worker holds the receiver)."""
    with transaction.atomic():
        receiver = (
            # NO KEY UPDATE: an emit's new Delivery rows take KEY SHARE on this row, which this
            # lock lets through (FOR UPDATE would deadlock an emit holding the chain lock).
            Receiver.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
            .select_related("region")
            .filter(pk=receiver_id, is_active=True)
            .first()
        )
        if receiver is None:
            return None
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(receiver=receiver, status=DeliveryStatus.PENDING)
            .order_by("event__sequence")
            .first()
        )
        if delivery is None or delivery.next_attempt_at > now:
            return None  # the head waits for its back-off; later events wait behind it
        delivery.receiver = receiver
        error = _post(receiver, delivery.event)
        if not error:
            delivery_transition(actor=None, delivery=delivery, to=DeliveryStatus.DELIVERED)
            return "delivered"
        delivery.attempts += 1
        if delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            delivery_transition(actor=None, delivery=delivery, to=DeliveryStatus.DEAD, error=error)
            return "dead"
        delivery.last_error = error[:255]
        delivery.next_attempt_at = now + retry_delay(
            delivery.attempts, base_seconds=settings.OUTBOX_BACKOFF_SECONDS
        )
        delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        return "failed"


def outbox_deliver_due(*, receiver_id: int | None = None, now=None, limit: int = 500) -> dict:
    """Send what is due, receiver by receiver, each in sequence; at most `limit` per receiver
    per run (the next run continues). Returns counts by outcome."""
    totals = {"delivered": 0, "failed": 0, "dead": 0}
    ids = (
        [receiver_id]
        if receiver_id is not None
        else list(Receiver.objects.filter(is_active=True).values_list("pk", flat=True))
    )
    for rid in ids:
        for _attempt in range(limit):
            outcome = _deliver_next(rid, now or timezone.now())
            if outcome is None:
                break
            totals[outcome] += 1
            if outcome == "failed":
                break  # order: nothing later goes out before this one
    return totals


@transaction.atomic
def delivery_retry(*, actor, delivery: Delivery, ip: str | None = None) -> Delivery:
    """An administrator sends a dead-lettered delivery again (same idempotency key)."""
    locked = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("event", "receiver__region")
        .get(pk=delivery.pk)
    )
    delivery_transition(actor=actor, delivery=locked, to=DeliveryStatus.PENDING, ip=ip)
    queue.enqueue_after_commit(queue.DELIVER_OUTBOX, receiver_id=locked.receiver_id)
    return locked


# --- Receivers ----------------------------------------------------------------------------
def _receiver_errors(*, name: str, url: str, secret: str, event_types, creating: bool) -> dict:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写接收方名称。")
    problem = receiver_url_problem(url, allow_loopback_http=settings.OUTBOX_ALLOW_LOOPBACK_HTTP)
    if problem:
        errors["url"] = problem
    if (creating or secret) and len(secret or "") < MIN_SECRET_LENGTH:
        errors["secret"] = _("签名密钥至少 %(n)s 个字符。") % {"n": MIN_SECRET_LENGTH}
    if not event_types or set(event_types) - set(EventType.values):
        errors["event_types"] = _("请至少选择一类事件。")
    return errors


@transaction.atomic
def receiver_create(
    *,
    actor,
    name: str,
    url: str,
    secret: str,
    event_types: list[str],
    region=None,
    is_active: bool = True,
    ip: str | None = None,
) -> Receiver:
    """Configure a receiver; the secret is stored encrypted and never shown again. Raises
    ValidationError naming the field."""
    errors = _receiver_errors(
        name=name, url=url, secret=secret, event_types=event_types, creating=True
    )
    if errors:
        raise ValidationError(errors)
    receiver = Receiver.objects.create(
        name=name.strip(),
        url=url.strip(),
        secret_cipher=pii.encrypt(secret),
        event_types=sorted(event_types),
        region=region,
        is_active=is_active,
    )
    audit_record(
        actor=actor,
        action="outbox.receiver_create",
        obj=receiver,
        ip=ip,
        data={
            "url": receiver.url,
            "event_types": receiver.event_types,
            "region": region and region.pk,
        },
    )
    return receiver


@transaction.atomic
def receiver_update(
    *,
    actor,
    receiver: Receiver,
    name: str,
    url: str,
    event_types: list[str],
    region=None,
    is_active: bool = True,
    secret: str = "",
    ip: str | None = None,
) -> Receiver:
    """Change a receiver; a blank secret keeps the current one. Events already in the outbox
    keep the deliveries they had; new ones follow the new settings."""
    errors = _receiver_errors(
        name=name, url=url, secret=secret, event_types=event_types, creating=False
    )
    if errors:
        raise ValidationError(errors)
    locked = Receiver.objects.select_for_update(no_key=True).get(pk=receiver.pk)
    locked.name, locked.url = name.strip(), url.strip()
    locked.event_types, locked.region, locked.is_active = sorted(event_types), region, is_active
    if secret:
        locked.secret_cipher = pii.encrypt(secret)
    locked.save()
    audit_record(
        actor=actor,
        action="outbox.receiver_update",
        obj=locked,
        ip=ip,
        data={
            "url": locked.url,
            "event_types": locked.event_types,
            "region": region and region.pk,
            "is_active": is_active,
            "secret_changed": bool(secret),
        },
    )
    return locked
