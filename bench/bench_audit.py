"""Audited writes per second for the whole installation (issue 18).

An audited write appends its row without any lock (certification/audit.py); a sealer chains the
committed rows afterwards. Eight threads (eight database connections, as eight web workers
would be) each commit one audited write per transaction for a few seconds while a sealer in its
own process (as the Celery worker is) seals every second (the periodic task: every 5 s); the
floor is the same threads committing one plain insert per transaction over the same
connections, measured in the same run. The sealer's throughput is measured twice: rows sealed
per second of its running time while those writers ran (it shares the machine's cores with
them), and draining a backlog of BACKLOG rows alone (what one sealer can keep up with)."""

import multiprocessing
import os
import threading
import time

from django.db import connection, connections, transaction

from certification.audit import audit_mac, audit_record, audit_seal, audit_unsealed_count
from certification.models import AuditEvent

THREADS = int(os.environ.get("BENCH_AUDIT_THREADS", "8"))
SECONDS = float(os.environ.get("BENCH_AUDIT_SECONDS", "5"))
SEAL_EVERY = float(os.environ.get("BENCH_AUDIT_SEAL_EVERY", "1"))
BACKLOG = int(os.environ.get("BENCH_AUDIT_BACKLOG", "20000"))


def _hammer(write) -> float:
    """Commits per second over all threads, each writing until the time is up."""
    counts = [0] * THREADS
    start = threading.Barrier(THREADS + 1)

    def worker(i: int) -> None:
        try:
            start.wait()
            stop = time.perf_counter() + SECONDS
            while time.perf_counter() < stop:
                with transaction.atomic():
                    write(i)
                counts[i] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - began)


def _sealer(stop, rows, busy) -> None:
    """The sealing process: seals every SEAL_EVERY seconds until stopped, then once more."""
    try:
        while True:
            stopping = stop.wait(SEAL_EVERY)
            began = time.perf_counter()
            sealed = audit_seal()
            busy.value += time.perf_counter() - began
            rows.value += sealed
            if stopping:
                return
    finally:
        connections.close_all()


def _audited(i: int) -> None:
    audit_record(actor=None, action="bench.write", data={"thread": i})


def _plain(i: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_audit_floor (data) VALUES (%s)", [f'{{"thread": {i}}}'])


def _drain() -> float:
    """Rows per second sealing a backlog written in one go, nothing else running."""
    events = [AuditEvent(action="bench.backlog", data={"n": n}) for n in range(BACKLOG)]
    for event in events:
        event.mac = audit_mac(event)
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    began = time.perf_counter()
    sealed = audit_seal()
    return sealed / (time.perf_counter() - began)


def run(report) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_audit_floor "
            "(id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), data jsonb)"
        )
    floor = _hammer(_plain)
    fork = multiprocessing.get_context("fork")
    stop, rows, busy = fork.Event(), fork.Value("q", 0), fork.Value("d", 0.0)
    connections.close_all()  # the child opens its own; a shared socket would break both
    sealer = fork.Process(target=_sealer, args=(stop, rows, busy))
    sealer.start()
    try:
        audited = _hammer(_audited)
    finally:
        stop.set()
        sealer.join()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_audit_floor")
    if audit_unsealed_count():
        raise RuntimeError("rows left unsealed after the final seal")
    drain = _drain()
    report("audit_floor_writes_per_second", round(floor, 1), "writes/s")
    report("audit_writes_per_second", round(audited, 1), "writes/s")
    report("audit_writes_ratio", round(floor / audited, 2), "x")
    report("audit_seal_rows_per_second", round(drain, 1), "rows/s")
    report("audit_seal_under_load_rows_per_second", round(rows.value / busy.value, 1), "rows/s")
