"""The embedded default database (cms/embedded_db.py): a second server of the same kind, in a
folder of its own, is started, reused, stopped and recovered after a crash, as `make run` /
`make stop` do with the real one."""

import os
import shutil
import signal
import time

import psycopg
import pytest

from cms import embedded_db


@pytest.fixture
def server(monkeypatch):
    root = embedded_db.BASE_DIR / "var" / f"test-embedded-pg-{os.getpid()}"
    monkeypatch.setattr(embedded_db, "ROOT", root)
    monkeypatch.setattr(embedded_db, "DATA_DIR", root / "data")
    monkeypatch.setattr(embedded_db, "LOG_FILE", root / "server.log")
    monkeypatch.setattr(embedded_db, "PORT", 54000 + os.getpid() % 900)
    yield embedded_db
    embedded_db.stop()
    shutil.rmtree(root)


def _pid(db) -> int:
    return int((db.DATA_DIR / "postmaster.pid").read_text().split("\n", 1)[0])


def test_start_initialises_a_server_on_a_unix_socket_only_and_creates_the_database(server):
    server.start()
    assert server.running()
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT current_setting('listen_addresses')").fetchone() == ("",)
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("18")
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [server.DATABASE]
        ).fetchone()
    assert exists == (1,)
    assert str(server.PORT) != "5432"


def test_a_second_start_reuses_the_running_server_and_keeps_its_data(server):
    server.start()
    pid = _pid(server)
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    server.start()
    assert _pid(server) == pid
    server.stop()
    assert not server.running()
    server.start()
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT n FROM kept").fetchone() == (42,)


def test_a_crashed_server_with_a_stale_pid_file_starts_again(server):
    server.start()
    pid = _pid(server)
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        if not server.running():
            break
        time.sleep(0.1)
    # The pid file is left behind; point it at a live process that is not our server.
    pidfile = server.DATA_DIR / "postmaster.pid"
    lines = pidfile.read_text().split("\n")
    pidfile.write_text("\n".join([str(os.getpid()), *lines[1:]]))
    assert not server.running()

    server.start()
    assert server.running() and _pid(server) != os.getpid()
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
