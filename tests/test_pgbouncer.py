"""Issue 18: the documented deployment puts PgBouncer in transaction pooling in front of
PostgreSQL. The test starts a real PgBouncer (Debian's package, installed by `make`) with a pool
of two server connections in front of the test database, and runs eight threads of audited
writes and a streamed read through it with DATABASE_TRANSACTION_POOLING on, as production would:
every write lands, the audit chain verifies, and the server saw no more than the pool's two
connections for the eight clients."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cms import embedded_db

pytestmark = pytest.mark.django_db(transaction=True)
POOL_SIZE = 2
THREADS = 8
WRITES = 25

_CLIENT = """
import json, sys, threading
import django
django.setup()
from django.db import connection, transaction
from certification.audit import audit_record, audit_verify
from certification.models import AuditEvent

pids, errors = set(), []

def writer(n):
    try:
        for i in range(%(writes)d):
            with transaction.atomic():
                audit_record(actor=None, action="pool.write", data={"thread": n, "i": i})
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pids.add(cursor.fetchone()[0])
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n,)) for n in range(%(threads)d)]
for t in threads: t.start()
for t in threads: t.join()
streamed = sum(1 for _ in AuditEvent.objects.filter(action="pool.write").iterator(chunk_size=7))
print(json.dumps({"pids": sorted(pids), "errors": errors, "streamed": streamed,
                  "problems": audit_verify()}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text() if log.exists() else "pgbouncer exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("pgbouncer did not listen within 20 s")


@pytest.fixture
def pgbouncer(tmp_path):
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    assert Path(binary).exists(), "PgBouncer is not installed: `make` installs Debian's pgbouncer"
    db = connection.settings_dict
    root = embedded_db.BASE_DIR / "var" / f"pgbouncer-{tmp_path.name}"
    root.mkdir(parents=True, exist_ok=True)
    run_as = embedded_db._as_server_user()  # PgBouncer, like PostgreSQL, refuses to run as root
    port = _free_port()
    host = db["HOST"] or "127.0.0.1"
    (root / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"carecert = host={host} port={db['PORT'] or 5432} dbname={db['NAME']} "
        f"user={db['USER']}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        f"default_pool_size = {POOL_SIZE}\nmin_pool_size = 0\nreserve_pool_size = 0\n"
        f"max_client_conn = 100\nlogfile = {root / 'pgbouncer.log'}\n"
        f"pidfile = {root / 'pgbouncer.pid'}\n"
    )
    if run_as:
        for path in (root, *root.iterdir()):
            shutil.chown(path, run_as["user"], run_as["user"])
    process = subprocess.Popen(  # noqa: S603 - Debian's binary, a config written here
        [binary, str(root / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **run_as,
    )
    try:
        _wait_listening(port, process, root / "pgbouncer.log")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)


def test_eight_clients_write_through_two_pooled_connections_and_the_chain_holds(pgbouncer):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=f"postgres://{connection.settings_dict['USER']}@127.0.0.1:{pgbouncer}/carecert",
        DATABASE_TRANSACTION_POOLING="1",
        DATABASE_CONN_MAX_AGE="60",
    )
    script = _CLIENT % {"writes": WRITES, "threads": THREADS}
    out = subprocess.run(  # noqa: S603 - this interpreter, a script written above
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["streamed"] == THREADS * WRITES  # a streamed read works behind the pooler
    assert result["problems"] == []
    assert 1 <= len(result["pids"]) <= POOL_SIZE  # 8 clients, at most 2 server connections
