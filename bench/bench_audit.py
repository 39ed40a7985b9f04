"""Audited writes per second for the whole installation (issue 18).

Every audited change appends to one keyed hash chain under one lock held until commit, so the
audit trail bounds how many audited writes the whole installation commits per second. Eight
threads (eight database connections, as eight web workers would be) each commit one audited
write per transaction for a few seconds; the floor is the same threads committing one plain
insert per transaction over the same connections, measured in the same run."""

import os
import threading
import time

from django.db import connection, connections, transaction

from certification.audit import audit_record

THREADS = int(os.environ.get("BENCH_AUDIT_THREADS", "8"))
SECONDS = float(os.environ.get("BENCH_AUDIT_SECONDS", "5"))


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


def _audited(i: int) -> None:
    audit_record(actor=None, action="bench.write", data={"thread": i})


def _plain(i: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_audit_floor (data) VALUES (%s)", [f'{{"thread": {i}}}'])


def run(report) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_audit_floor "
            "(id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), data jsonb)"
        )
    floor = _hammer(_plain)
    audited = _hammer(_audited)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_audit_floor")
    report("audit_floor_writes_per_second", round(floor, 1), "writes/s")
    report("audit_writes_per_second", round(audited, 1), "writes/s")
    report("audit_writes_ratio", round(floor / audited, 2), "x")
