"""The HTTP benches' harness: a real gunicorn (2 gthread workers × 8 threads, persistent
database connections, as in production) driven by wrk on loopback, and the floor it is divided
by (bench/floor: bare Django reading or writing one row), both measured in the same run.

Each measurement reports requests/s, the p99 latency wrk sees and the workers' CPU time per
request (utime + stime of the worker processes over the run, from /proc), so a ratio cannot
look good by moving work somewhere the clock does not see."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess  # noqa: S404
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
DURATION = os.environ.get("BENCH_HTTP_DURATION", "20s")
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "32"))
WORKERS, THREADS = 2, 8
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Load:
    rps: float
    p99_ms: float
    requests: int
    cpu_ms: float  # worker CPU per request


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """This process's database as a URL for a child process (gunicorn, a worker): the server
    DATABASE_URL names, or the embedded one on its socket directory when it is unset."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # the embedded server listens on a unix socket
        return (
            f"postgresql://{auth}@/{s['NAME']}?host={quote(host, safe='')}&port={s['PORT'] or 5432}"
        )
    return f"postgresql://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def floor_table(rows: int) -> None:
    """(Re)create the floor's table with `rows` rows."""
    from bench.floor.models import TABLE

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, counter integer NOT NULL "
            "DEFAULT 0, name varchar(64) NOT NULL, payload text NOT NULL DEFAULT '')"
        )
        cursor.execute(
            f"INSERT INTO {TABLE} (name, payload) SELECT 'row ' || g, repeat('x', 200) "  # noqa: S608
            "FROM generate_series(1, %s) g",
            [rows],
        )


class Server:
    """gunicorn serving `app` against the bench database."""

    def __init__(self, app: str = "cms.wsgi:application", settings: str = "cms.settings.test"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE=settings,
            DATABASE_URL=database_url(),
            DATABASE_CONN_MAX_AGE="60",
        )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "gthread",
                "--threads",
                str(THREADS),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def wait_ready(self, path: str, headers: dict | None = None) -> None:
        request = urllib.request.Request(self.url + path, headers=headers or {})  # noqa: S310
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    if response.status < 400:
                        return
            except OSError:  # refused while booting, or timed out on a cold worker
                time.sleep(0.5)
        raise RuntimeError(f"{self.url}{path} did not answer within 60 s")

    def worker_cpu_seconds(self) -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # ppid: a worker of this master
                total += int(fields[11]) + int(fields[12])
        return total / _TICKS

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@contextlib.contextmanager
def serving(app: str = "cms.wsgi:application", settings: str = "cms.settings.test"):
    server = Server(app, settings)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def floor_server():
    with serving("bench.floor.wsgi:application", "bench.floor.settings") as server:
        server.wait_ready("/row/1")
        yield server


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(
    server: Server,
    paths: list[str],
    *,
    headers: dict | None = None,
    method: str = "GET",
    bodies: list[str] | None = None,
    duration: str = DURATION,
    connections: int = CONNECTIONS,
    warmup: str | None = None,
    request_headers: list[dict] | None = None,
) -> Load:
    """Drive `server` with wrk over `paths` in turn (each with its body, for a POST). Any
    non-2xx/3xx answer fails the run: a fast error is not a fast page. With `warmup` (a wrk
    duration such as "3s"), a first run of that length over the same paths is discarded, so
    cold workers (imports, first connections, first-use caches) do not decide the p99.
    `request_headers` (one dict per path, e.g. each learner's session cookie) are sent with
    that path on top of `headers`; then wrk's two threads start half-way apart in the list, so
    one user's requests do not arrive in pairs."""
    bodies = bodies or [""] * len(paths)
    lua = (
        "paths = {" + ",".join(_lua_string(p) for p in paths) + "}\n"
        "bodies = {" + ",".join(_lua_string(b) for b in bodies) + "}\n"
        "i = 0\nrequest = function()\n  i = i % #paths + 1\n"
        f"  return wrk.format({_lua_string(method)}, paths[i], nil, bodies[i])\nend\n"
    )
    if request_headers:
        tables = (
            "{" + ",".join(f"[{_lua_string(k)}]={_lua_string(v)}" for k, v in h.items()) + "}"
            for h in ({**(headers or {}), **extra} for extra in request_headers)
        )
        lua = lua.replace(", nil, bodies[i]", ", hdrs[i], bodies[i]") + (
            "hdrs = {" + ",".join(tables) + "}\n"
            "local started = 0\n"
            "setup = function(thread)\n  thread:set('offset', started)\n"
            "  started = started + 1\nend\n"
            "init = function(args)\n  i = offset * math.floor(#paths / 2)\nend\n"
        )

    def args(length: str) -> list[str]:
        line = [shutil.which("wrk"), "-t", "2", "-c", str(connections), "-d", length, "--latency"]
        for name, value in (headers or {}).items():
            line += ["-H", f"{name}: {value}"]
        return line

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        if warmup:
            _wrk_run(args(warmup), script.name, server.url)
        cpu_before = server.worker_cpu_seconds()
        out = _wrk_run(args(duration), script.name, server.url)
    finally:
        os.unlink(script.name)
    cpu = server.worker_cpu_seconds() - cpu_before
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} non-2xx responses:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return Load(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p99_ms=_duration_ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)),
        requests=requests,
        cpu_ms=1000 * cpu / max(requests, 1),
    )


def _wrk_run(args: list[str], script: str, url: str) -> str:
    return subprocess.run(  # noqa: S603
        [*args, "-s", script, url], capture_output=True, text=True, check=True, timeout=600
    ).stdout


def report_load(report, name: str, load: Load) -> None:
    report(f"{name}_rps", load.rps, "req/s")
    report(f"{name}_p99_ms", load.p99_ms, "ms")
    report(f"{name}_cpu_ms", load.cpu_ms, "ms/req")


def report_ratio(report, name: str, load: Load, floor: Load) -> None:
    """`<name>_p99_ratio` (the goal's figure) and `<name>_cpu_ratio` beside it."""
    report(f"{name}_p99_ratio", load.p99_ms / floor.p99_ms, "x")
    report(f"{name}_cpu_ratio", load.cpu_ms / max(floor.cpu_ms, 1e-6), "x")
