"""D-40, the must-show: a real Celery worker process is killed (SIGKILL) in the middle of a
delivery and a new one started; every event still reaches the receiver, in order, and a
receiver that honours the idempotency key applies none twice.

The worker is a separate `celery -A cms worker` process on this run's test database (as
bench/bench_certificates.py starts one), fed from a Redis database of its own (/12 on
127.0.0.1:6379, flushed before and after). This process queues each emit's delivery task to the
same Redis (not eagerly) and, while it waits, sends the task every second as the minute beat
would. The receiver (tests/outbox_receiver.py) hangs on event 3's first arrival; that is when
the worker is killed. Its transaction dies with it, so event 3 stays pending and goes out again
with the same key: one raw duplicate, applied once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from certification.models import Delivery, DeliveryStatus, OutboxEvent
from certification.services.people import person_create
from cms.celery import app
from tests.factories import ReceiverFactory, new_id_number
from tests.outbox_receiver import SECRET, LoopbackReceiver

BROKER_URL = "redis://127.0.0.1:6379/12"  # a database no other test or bench uses
ROOT = Path(__file__).resolve().parents[1]
CELERY = Path(sys.executable).with_name("celery")
TIMEOUT_SECONDS = 120


def _broker_problem() -> str:
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def _database_url() -> str:
    """This run's test database on the server this process uses (as bench does)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # a socket directory
        url = f"postgresql://{auth}@/{db['NAME']}?host={quote(host, safe='')}"
        if db.get("PORT"):
            url += f"&port={db['PORT']}"
        return url
    return f"postgresql://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def _forget_connection_pools() -> None:
    app._pool = None  # noqa: SLF001 - Celery has no public reset for these two
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None  # noqa: SLF001


@pytest.fixture
def broker(transactional_db, monkeypatch):
    """Tasks from this process go to the dedicated Redis database, not run eagerly."""
    problem = _broker_problem()
    if problem:
        pytest.skip(f"no Redis at {BROKER_URL} ({problem})")
    redis.Redis.from_url(BROKER_URL).flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)
    _forget_connection_pools()
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    yield
    app.conf.update(saved)
    _forget_connection_pools()
    redis.Redis.from_url(BROKER_URL).flushdb()


@pytest.fixture
def start_worker(broker, tmp_path):
    workers = []

    def start(name: str) -> subprocess.Popen:
        env = dict(
            os.environ,
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=BROKER_URL,
            DJANGO_SETTINGS_MODULE="bench.worker_settings",  # test settings, tasks queued
            OUTBOX_TIMEOUT_SECONDS="60",  # the hang lasts until the kill
        )
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the worker
        worker = subprocess.Popen(  # noqa: S603 - fixed argv, our own venv
            [
                str(CELERY),
                "-A",
                "cms",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
            ],
            env=env,
            cwd=str(ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        workers.append((worker, log))
        _wait_for(
            lambda: worker.poll() is not None or app.control.ping(timeout=1.0),
            f"{name} did not start",
        )
        assert worker.poll() is None, (tmp_path / f"{name}.log").read_text()[-2000:]
        return worker

    yield start
    for worker, log in workers:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log.close()


def _wait_for(condition, what: str, *, beat: bool = False):
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if beat:  # the minute beat, compressed to a second
            app.send_task("certification.deliver_outbox")
        time.sleep(1.0)
    pytest.fail(f"within {TIMEOUT_SECONDS} s: {what}")


@pytest.fixture
def receiver_server():
    server = LoopbackReceiver().start()
    yield server
    server.release.set()
    server.shutdown()


def _register(regions, n: int) -> None:
    person_create(
        actor=None,
        id_type="resident",
        id_number=new_id_number(),
        name=f"重启保育{n}",
        region=regions.wuhua,
    )


def test_a_worker_killed_mid_delivery_loses_nothing_and_a_deduplicating_receiver_applies_each_once(
    start_worker, receiver_server, regions
):
    ReceiverFactory(url=receiver_server.url, secret=SECRET)
    receiver_server.hang_on_sequence = 3
    first = start_worker("outbox-worker-1")

    for n in range(1, 7):  # each commit queues a delivery task for the worker
        _register(regions, n)
    _wait_for(receiver_server.hanging.is_set, "the worker never reached event 3")
    assert receiver_server.applied_order == [1, 2, 3]

    first.send_signal(signal.SIGKILL)  # mid-post: event 3 is with the receiver, unanswered
    first.wait(timeout=30)
    receiver_server.release.set()

    # The killed worker's transaction rolled back: event 3 was never marked delivered.
    _wait_for(
        lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2,
        "the killed worker's row lock was not released",
    )
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).order_by("event__sequence")
    assert [d.event.sequence for d in pending] == [3, 4, 5, 6]

    for n in range(7, 9):  # changes go on while no worker runs: they wait in the outbox
        _register(regions, n)
    start_worker("outbox-worker-2")
    _wait_for(
        lambda: not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists(),
        "the new worker did not deliver the outbox",
        beat=True,
    )

    events = list(OutboxEvent.objects.order_by("sequence"))
    assert len(events) == 8
    # Every event applied exactly once, in sequence order, whatever arrived twice.
    assert set(receiver_server.applied) == {str(e.idempotency_key) for e in events}
    assert receiver_server.applied_order == list(range(1, 9))
    raw = [receiver_server.raw_count(e.sequence) for e in events]
    assert raw[2] == 2  # event 3: sent before the kill and again after it (at least once)
    assert raw[:2] + raw[3:] == [1] * 7
    assert receiver_server.bad_signatures == 0
    assert not Delivery.objects.filter(status=DeliveryStatus.DEAD).exists()
