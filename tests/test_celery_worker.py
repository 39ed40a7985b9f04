"""End to end through a real Celery worker: base staff start a batch certificate issue, the job
travels through the broker (Redis) to a worker thread, and the progress page reports it finished
with every certificate and its PDF in place.

The rest of the suite runs tasks eagerly (cms/settings/test.py). The worker thread opens its own
database connection to the test database, so the test uses `transactional_db` (committed rows).
For its duration the app sends tasks to a broker instead of running them eagerly: a dedicated
Redis database (/9, purged before and after) where CI gives one (CELERY_BROKER_URL=redis://…),
else the file broker a newcomer's `make run` uses (kombu's filesystem transport, in a temporary
folder). The app's eager setting and broker are restored afterwards.
"""

import os
import threading
import time
from urllib.parse import urlsplit

import pytest
import redis
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.urls import resolve, reverse

from certification.models import Certificate
from cms.celery import app
from tests.certification.builders import accredited_course, earn
from tests.factories import PersonFactory

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
WORKER_REDIS_DB = 9  # a database of its own, so no other consumer takes (or leaves) tasks
TIMEOUT_SECONDS = 60

USE_REDIS = urlsplit(BROKER_URL).scheme in {"redis", "rediss"}


def _dedicated_broker_url() -> str:
    return urlsplit(BROKER_URL)._replace(path=f"/{WORKER_REDIS_DB}").geturl()


def _file_broker_options(folder) -> dict:
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir()
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
    }


def _forget_connection_pools() -> None:
    """Make the next send open a pool for the broker_url configured now. The pools themselves
    stay in kombu's registry (closing one there would leave a closed pool for that URL)."""
    app._pool = None  # noqa: SLF001 - Celery has no public reset for these two
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None  # noqa: SLF001


@pytest.fixture
def real_worker(transactional_db, monkeypatch, tmp_path):
    """A Celery worker in a thread of this process, consuming from the dedicated Redis db.

    Yields the list of (task name, was eager, thread name) of every task the app ran."""
    if USE_REDIS:
        url, options = _dedicated_broker_url(), {}
        redis.Redis.from_url(url).flushdb()
    else:
        url, options = "filesystem://", _file_broker_options(tmp_path)
    saved = {
        key: app.conf[key]
        for key in (
            "broker_url",
            "broker_transport_options",
            "task_always_eager",
            "worker_hijack_root_logger",
        )
    }
    ran = []

    def record(sender=None, task=None, **kwargs):
        ran.append(
            (
                task.name,
                bool(getattr(task.request, "is_eager", False)),
                threading.current_thread().name,
            )
        )

    signals.task_postrun.connect(record, weak=False)
    _forget_connection_pools()
    # Celery reads the broker from the CELERY_BROKER_URL environment variable before its
    # configuration, so both point at the dedicated database (monkeypatch restores the first).
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    # worker_hijack_root_logger off: the worker must leave pytest's log capture alone.
    app.conf.update(
        broker_url=url,
        broker_transport_options=options,
        task_always_eager=False,
        worker_hijack_root_logger=False,
    )
    if USE_REDIS:
        with app.connection_for_write() as conn:
            assert conn.as_uri().endswith(f"/{WORKER_REDIS_DB}"), conn.as_uri()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60):
            yield ran
    finally:
        signals.task_postrun.disconnect(record)
        app.conf.update(saved)
        _forget_connection_pools()
        if USE_REDIS:
            redis.Redis.from_url(url).flushdb()


def _course_with_three_qualified_people(orgs, cast):
    course = accredited_course(orgs.base)
    people = [cast.worker, cast.director, PersonFactory(name="陈保育", region=orgs.base.region)]
    for person in people:
        earn(person, course, orgs.base)
    return course, people


def _wait_for(condition, what: str):
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"the worker did not finish within {TIMEOUT_SECONDS} s: {what}")


def test_a_batch_issue_runs_on_the_worker_and_its_progress_reaches_done(
    real_worker, client, cast, orgs
):
    course, people = _course_with_three_qualified_people(orgs, cast)
    client.force_login(cast.base_staff)

    response = client.post(
        reverse("certification:certificate_batch_new"),
        {"course": course.pk, "person_ids": [p.pk for p in people]},
    )
    assert response.status_code == 302
    batch_pk = resolve(response.url).kwargs["pk"]
    status_url = reverse("certification:certificate_batch_status", args=[batch_pk])

    def finished():
        body = client.get(status_url).json()
        return body if body["status"] == "done" else None

    progress = _wait_for(finished, "batch progress never reported done")
    assert progress["total"] == progress["processed"] == progress["issued"] == 3
    assert progress["percent"] == 100 and progress["refusals"] == []

    certificates = Certificate.objects.filter(course=course, issuer=orgs.base)
    assert sorted(certificates.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    _wait_for(lambda: not certificates.filter(pdf="").exists(), "PDFs not rendered")
    for cert in certificates:
        with cert.pdf.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"

    # It really went through the broker: the worker thread ran the tasks, none eagerly.
    main = threading.current_thread().name
    on_worker = [name for name, eager, thread in real_worker if not eager and thread != main]
    assert on_worker.count("certification.issue_certificate_batch") == 1
    assert on_worker.count("certification.render_certificate_pdf") == 3

    # Another base's staff cannot read this batch's progress.
    client.force_login(cast.other_base_staff)
    assert client.get(status_url).status_code == 404
