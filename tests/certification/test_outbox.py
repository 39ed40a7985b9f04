"""D-40: registration, employment, certificate and ban changes reach the national system
through a transactional outbox: the event commits (or rolls back) with the change, goes out
in order, HMAC-signed with a stable idempotency key, is retried with exponential back-off and
dead-lettered after the last attempt, and an administrator retries it from the outbox page.
A real HTTP server on loopback stands in for the receiver (tests/outbox_receiver.py)."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from certification import pii
from certification.models import (
    AuditEvent,
    Certificate,
    Delivery,
    DeliveryStatus,
    EventType,
    OutboxEvent,
    Person,
    Receiver,
    StaffRole,
)
from certification.rules.outbox import receiver_url_problem, retry_delay
from certification.services.ban_register import ban_create
from certification.services.certificates import certificate_revoke
from certification.services.employment_states import employment_end
from certification.services.outbox import outbox_deliver_due
from certification.services.people import employment_create, person_create
from cms.celery import app, beat_schedule
from cms.choices import WorkerRole
from tests.factories import (
    CertificateFactory,
    ReceiverFactory,
    UserFactory,
    membership,
    new_id_number,
)
from tests.outbox_receiver import SECRET, LoopbackReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver_server():
    server = LoopbackReceiver().start()
    yield server
    server.release.set()
    server.shutdown()


@pytest.fixture
def receiver(receiver_server):
    return ReceiverFactory(url=receiver_server.url, secret=SECRET)


@pytest.fixture
def sysadmin():
    user = UserFactory(email="sys@example.test", display_name="系统管理员")
    membership(user, StaffRole.SYSADMIN)
    return user


def _register(cast, regions, name="周保育"):
    number = new_id_number()
    person = person_create(
        actor=cast.institution_admin,
        id_type="resident",
        id_number=number,
        name=name,
        region=regions.wuhua,
    )
    return person, number


def test_a_registration_emits_its_event_and_a_rolled_back_one_emits_none(cast, regions, receiver):
    number = new_id_number()
    with pytest.raises(RuntimeError), transaction.atomic():
        person_create(
            actor=cast.institution_admin,
            id_type="resident",
            id_number=number,
            name="回滚保育",
            region=regions.wuhua,
        )
        raise RuntimeError("the hire page failed after the registration")
    assert not Person.objects.filter(name="回滚保育").exists()
    assert OutboxEvent.objects.count() == 0 and Delivery.objects.count() == 0

    person, number = _register(cast, regions)
    event = OutboxEvent.objects.get()
    assert event.event_type == EventType.PERSON_REGISTERED and event.aggregate_id == str(person.pk)
    assert event.payload["id_index"] == person.id_index
    assert event.payload["id_masked"] == person.id_masked
    assert number not in json.dumps(event.payload)  # never the plaintext ID number
    assert Delivery.objects.get().receiver == receiver


def test_hiring_leaving_issuing_revoking_and_a_ban_each_emit_their_event_in_order(
    cast, orgs, regions, receiver
):
    person, number = _register(cast, regions)
    employment = employment_create(
        actor=cast.institution_admin,
        person=person,
        institution=orgs.institution,
        role=WorkerRole.CAREGIVER,
        start_date=dt.date(2026, 3, 1),
    )
    employment_end(
        actor=cast.institution_admin, employment=employment, end_date=dt.date(2026, 6, 30)
    )
    cert = CertificateFactory(person=person, issuer=orgs.base, issuer_name=orgs.base.name)
    certificate_revoke(actor=cast.base_staff, certificate=cert, reason="证书信息登记错误")
    ban_create(
        actor=cast.regulator,
        id_type="resident",
        id_number=number,
        name=person.name,
        region=regions.kunming,
        ban_type="lifetime",
        reason_category="abuse",
        decision_number="昆卫禁〔2026〕1号",
        authority="昆明市卫生健康委员会",
        effective_date=timezone.localdate(),
    )
    events = list(OutboxEvent.objects.order_by("sequence"))
    assert [e.event_type for e in events] == [
        EventType.PERSON_REGISTERED,
        EventType.EMPLOYMENT_STARTED,
        EventType.EMPLOYMENT_ENDED,
        EventType.CERTIFICATE_REVOKED,
        EventType.BAN_REGISTERED,
    ]
    assert [e.sequence for e in events] == list(range(1, 6))
    assert events[2].payload["end_date"] == "2026-06-30"
    assert events[3].payload["serial"] == cert.serial
    assert events[4].payload["id_masked"] == person.id_masked
    assert all(number not in json.dumps(e.payload) for e in events)


def test_a_training_certificate_issue_emits_certificate_issued(cast, orgs, receiver):
    from certification.services.certificates import certificate_issue_training
    from tests.certification.builders import accredited_course, earn

    course = accredited_course(orgs.base)
    earn(cast.worker, course, orgs.base)
    cert = certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    event = OutboxEvent.objects.get(event_type=EventType.CERTIFICATE_ISSUED)
    assert event.payload["serial"] == cert.serial and event.payload["kind"] == "training"
    assert event.payload["issuer"]["credit_code"] == orgs.base.credit_code


def test_events_reach_the_receiver_in_order_signed_with_their_idempotency_key(
    cast, regions, receiver, receiver_server
):
    people = [_register(cast, regions, name=f"顺序{i}")[0] for i in range(3)]
    assert outbox_deliver_due() == {"delivered": 3, "failed": 0, "dead": 0}

    sent = [json.loads(body) for _h, body in receiver_server.raw]
    assert [m["sequence"] for m in sent] == [1, 2, 3]
    assert [m["data"]["id_index"] for m in sent] == [p.id_index for p in people]
    for headers, body in receiver_server.raw:
        signed = headers["X-CareCert-Timestamp"].encode() + b"." + body
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        assert headers["X-CareCert-Signature"] == expected
        message = json.loads(body)
        assert headers["Idempotency-Key"] == message["id"]
        assert headers["X-CareCert-Event"] == "person.registered"
    assert receiver_server.bad_signatures == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert AuditEvent.objects.filter(action="outbox.delivered").count() == 3


def test_a_wrong_secret_is_refused_by_the_receiver_and_the_delivery_stays_pending(
    cast, regions, receiver_server
):
    ReceiverFactory(url=receiver_server.url, secret="not-the-agreed-secret-2026")
    _register(cast, regions)
    assert outbox_deliver_due()["failed"] == 1
    assert receiver_server.bad_signatures == 1 and receiver_server.applied == {}
    assert Delivery.objects.get().last_error == "HTTP 401"


def test_a_failing_event_is_retried_with_back_off_blocks_later_ones_then_is_dead_lettered(
    cast, regions, receiver, receiver_server, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 30
    receiver_server.replies = [503, 503, 503]
    _register(cast, regions, name="第一")
    _register(cast, regions, name="第二")
    first, second = Delivery.objects.order_by("event__sequence")
    start = timezone.now()

    assert outbox_deliver_due(now=start) == {"delivered": 0, "failed": 1, "dead": 0}
    first.refresh_from_db()
    assert first.attempts == 1 and first.last_error == "HTTP 503"
    assert first.next_attempt_at == start + dt.timedelta(seconds=30)
    # Not yet due; and the second event waits behind the first (order).
    assert outbox_deliver_due(now=start + dt.timedelta(seconds=29))["failed"] == 0
    assert len(receiver_server.raw) == 1

    outbox_deliver_due(now=start + dt.timedelta(seconds=31))
    first.refresh_from_db()
    assert first.attempts == 2
    assert first.next_attempt_at == start + dt.timedelta(seconds=31 + 60)  # doubled

    # The third failure dead-letters it, which releases the second event.
    totals = outbox_deliver_due(now=start + dt.timedelta(seconds=92))
    assert totals == {"delivered": 1, "failed": 0, "dead": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == DeliveryStatus.DEAD and first.last_error == "HTTP 503"
    assert second.status == DeliveryStatus.DELIVERED
    keys = [h["Idempotency-Key"] for h, _b in receiver_server.raw]
    assert keys[:3] == [str(first.event.idempotency_key)] * 3  # one key across retries
    assert AuditEvent.objects.filter(action="outbox.dead", object_id=str(first.pk)).exists()


def test_back_off_doubles_and_is_capped():
    assert [retry_delay(n, base_seconds=30).total_seconds() for n in (1, 2, 3, 4)] == [
        30,
        60,
        120,
        240,
    ]
    assert retry_delay(30, base_seconds=30) == dt.timedelta(hours=6)


def test_production_requires_https_and_tests_may_use_loopback_http():
    assert receiver_url_problem("https://tuoyu.example.gov.cn/e", allow_loopback_http=False) == ""
    assert receiver_url_problem("http://127.0.0.1:8000/e", allow_loopback_http=False)
    assert receiver_url_problem("http://127.0.0.1:8000/e", allow_loopback_http=True) == ""
    assert receiver_url_problem("http://tuoyu.example.gov.cn/e", allow_loopback_http=True)


def test_a_receiver_scoped_to_a_province_gets_only_that_provinces_events(
    cast, regions, receiver_server
):
    gansu = ReceiverFactory(url=receiver_server.url, secret=SECRET, region=regions.gansu)
    yunnan = ReceiverFactory(url=receiver_server.url, secret=SECRET, region=regions.yunnan)
    bans_only = ReceiverFactory(
        url=receiver_server.url, secret=SECRET, event_types=[EventType.BAN_REGISTERED]
    )
    _register(cast, regions)
    assert list(Delivery.objects.values_list("receiver", flat=True)) == [yunnan.pk]
    assert not Delivery.objects.filter(receiver__in=[gansu, bans_only]).exists()


def test_the_emit_queues_its_delivery_after_the_commit(
    cast, regions, receiver, receiver_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person, _number = _register(cast, regions)
        assert receiver_server.raw == []  # nothing leaves before the commit
    (message,) = [json.loads(b) for _h, b in receiver_server.raw]
    assert message["data"]["id_index"] == person.id_index
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_the_minute_beat_runs_the_delivery_task():
    entry = beat_schedule()["outbox-deliver-every-minute"]
    assert entry["task"] == "certification.deliver_outbox"
    assert entry["schedule"].minute == set(range(60))
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_operators_deliver_from_the_command_line(cast, regions, receiver, receiver_server, capsys):
    _register(cast, regions)
    call_command("outbox_deliver")
    assert "1 delivered" in capsys.readouterr().out
    assert len(receiver_server.applied) == 1


# --- Administrator pages -----------------------------------------------------------------
def test_a_sysadmin_adds_a_receiver_whose_secret_is_stored_encrypted_and_never_shown(
    client, sysadmin
):
    client.force_login(sysadmin)
    url = reverse("certification:outbox_receiver_new")
    form = {
        "name": "全国托育服务信息管理系统",
        "url": "http://tuoyu.example.gov.cn/api/events",
        "secret": "shared-secret-from-the-ministry",
        "event_types": [EventType.PERSON_REGISTERED, EventType.BAN_REGISTERED],
        "is_active": "on",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "接收地址须使用 https" in refused.content.decode()
    assert not Receiver.objects.exists()

    form["url"] = "https://tuoyu.example.gov.cn/api/events"
    assert client.post(url, form).status_code == 302
    receiver = Receiver.objects.get()
    assert bytes(receiver.secret_cipher) != b"shared-secret-from-the-ministry"
    assert pii.decrypt(receiver.secret_cipher) == "shared-secret-from-the-ministry"
    row = AuditEvent.objects.get(action="outbox.receiver_create")
    assert "shared-secret" not in json.dumps(row.data)

    edit_url = reverse("certification:outbox_receiver_edit", args=[receiver.pk])
    page = client.get(edit_url).content.decode()
    assert "shared-secret-from-the-ministry" not in page
    form.update(name="国家托育系统", secret="")
    assert client.post(edit_url, form).status_code == 302
    receiver.refresh_from_db()
    assert receiver.name == "国家托育系统"
    assert pii.decrypt(receiver.secret_cipher) == "shared-secret-from-the-ministry"
    listing = client.get(reverse("certification:outbox_receiver_list")).content.decode()
    assert "国家托育系统" in listing and "禁入登记" in listing


def test_the_dead_letter_page_shows_the_error_and_a_retry_sends_it_again_with_the_same_key(
    client, sysadmin, cast, regions, receiver, receiver_server, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    receiver_server.replies = [500]
    _register(cast, regions)
    assert outbox_deliver_due()["dead"] == 1
    delivery = Delivery.objects.get()

    client.force_login(sysadmin)
    page = client.get(reverse("certification:outbox_delivery_list"), {"status": "dead"})
    body = page.content.decode()
    assert page.status_code == 200 and "HTTP 500" in body and "重新推送" in body

    retry = reverse("certification:outbox_delivery_retry", args=[delivery.pk])
    assert client.post(retry).status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    row = AuditEvent.objects.get(action="outbox.pending", object_id=str(delivery.pk))
    assert row.actor == sysadmin and row.data["from"] == DeliveryStatus.DEAD

    assert outbox_deliver_due()["delivered"] == 1
    first_key, second_key = (h["Idempotency-Key"] for h, _b in receiver_server.raw)
    assert first_key == second_key == str(delivery.event.idempotency_key)
    assert len(receiver_server.applied) == 1
    # A delivered one cannot be "retried" again: the state machine refuses.
    client.post(retry)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_only_system_administrators_reach_the_outbox_and_a_refusal_is_audited(
    client, cast, receiver
):
    client.force_login(cast.regulator)
    for name, args in (
        ("outbox_delivery_list", []),
        ("outbox_receiver_list", []),
        ("outbox_receiver_new", []),
        ("outbox_receiver_edit", [receiver.pk]),
    ):
        assert client.get(reverse(f"certification:{name}", args=args)).status_code == 403
    assert AuditEvent.objects.filter(actor=cast.regulator, action="access.denied").count() == 4


def test_the_outbox_is_in_the_sysadmins_navigation(client, sysadmin):
    client.force_login(sysadmin)
    page = client.get(reverse("certification:outbox_receiver_list")).content.decode()
    assert reverse("certification:outbox_delivery_list") in page


def test_a_revocation_rolled_back_emits_nothing(cast, orgs, regions, receiver):
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base, issuer_name=orgs.base.name)
    with pytest.raises(RuntimeError), transaction.atomic():
        certificate_revoke(actor=cast.base_staff, certificate=cert, reason="登记错误")
        raise RuntimeError("boom")
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.VALID
    assert not OutboxEvent.objects.filter(event_type=EventType.CERTIFICATE_REVOKED).exists()
