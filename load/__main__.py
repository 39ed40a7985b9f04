"""`make load` / `python -m load`: the mixed workload under faults (issue 18).

1. a fresh PostgreSQL cluster under var/load/ (load/cluster.py), migrated and seeded
   (load/seed.py); Redis database LOAD_REDIS_URL (default db 14) flushed, as broker and cache;
2. two gunicorn web processes (one port each, 8 threads, persistent database connections), two
   Celery workers (one process each) and Celery beat, all with load.settings;
3. locust, headless, for --duration seconds (load/locustfile.py: learners' heartbeats and
   pages, API compliance and verify, the public verify page), spread over both web processes;
4. faults while it runs: base staff start a certificate batch from its page; the worker running
   the batch is SIGKILLed (with its pool) mid-batch and started again a few seconds later, as
   a supervisor would; then PostgreSQL is restarted (`pg_ctl restart -m fast`);
5. once the workers have finished: one line per request type (requests, failures, p99, rate),
   and the checks (load/checks.py), one line each. Exit status 1 if any check fails.

Logs of every process stay in var/load/ for a post-mortem; the next run starts afresh."""

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess  # noqa: S404
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "load"
BIN = Path(sys.executable).parent
GRACE_SECONDS = 2.0  # after PostgreSQL accepts connections again


def _args(argv):
    p = argparse.ArgumentParser(prog="python -m load", description=__doc__.split("\n")[0])
    env = os.environ.get
    p.add_argument("--duration", type=int, default=int(env("LOAD_DURATION", "90")))
    p.add_argument("--learners", type=int, default=int(env("LOAD_LEARNERS", "40")))
    p.add_argument("--api-clients", type=int, default=int(env("LOAD_API_CLIENTS", "6")))
    p.add_argument("--visitors", type=int, default=int(env("LOAD_VISITORS", "6")))
    p.add_argument("--batch", type=int, default=int(env("LOAD_BATCH", "100")))
    p.add_argument("--seeded-learners", type=int, default=int(env("LOAD_SEEDED_LEARNERS", "200")))
    p.add_argument("--port", type=int, default=int(env("LOAD_PG_PORT", "54339")))
    p.add_argument("--no-faults", action="store_true", help="the same load without the faults")
    return p.parse_args(argv)


def say(text: str) -> None:
    print(text, flush=True)


class Processes:
    """The run's servers and workers, each in its own process group (a kill takes the whole
    worker, pool included); stopped in reverse order at the end."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}
        self.argv: dict[str, list[str]] = {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        # A fresh log per run (the fault injector reads them); a restart appends.
        log = open(VAR / f"{name}.log", "ab" if name in self.argv else "wb")  # noqa: SIM115
        self.argv[name] = argv
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our venv's programs
            argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self.procs[name]

    def kill(self, name: str) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def restart(self, name: str) -> None:
        self.start(name, self.argv[name])

    def dead(self) -> list[str]:
        return [name for name, p in self.procs.items() if p.poll() is not None]

    def stop_all(self) -> None:
        for p in reversed(self.procs.values()):
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self.procs.values()):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, procs: Processes, name: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs.procs[name].poll() is not None:
            raise RuntimeError(f"{name} exited: see {VAR / (name + '.log')}")
        try:
            with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _wait_log(name: str, pattern: str, procs: Processes, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    path = VAR / f"{name}.log"
    while time.monotonic() < deadline:
        if procs.procs[name].poll() is not None:
            raise RuntimeError(f"{name} exited: see {path}")
        if re.search(pattern, path.read_text(errors="replace")):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{name} not ready within {timeout:.0f} s: see {path}")


def _environment(cluster, redis_url: str) -> None:
    """Every process of the run (this one included) uses load.settings on the run's cluster."""
    for name in ("DATABASE_REPLICA_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="load.settings",
        DATABASE_URL=cluster.url,
        DATABASE_CONN_MAX_AGE="60",
        LOAD_REDIS_URL=redis_url,
    )


def _start_batch(web: str, plan: dict) -> int:
    """Base staff open the batch page for the class's course and issue to everyone on it."""
    import requests

    s = requests.Session()
    s.cookies.set(plan["session_cookie"], plan["staff_session"])
    page = s.get(f"{web}/base/certificates/batch/", params={"course": plan["offline_course"]})
    page.raise_for_status()
    r = s.post(
        f"{web}/base/certificates/batch/",
        data={
            "course": plan["offline_course"],
            "person_ids": plan["batch_people"],
            "csrfmiddlewaretoken": s.cookies[plan["csrf_cookie"]],
        },
        headers={"Referer": f"{web}/base/certificates/batch/"},
        allow_redirects=False,
    )
    match = re.search(r"/batch/(\d+)/", r.headers.get("Location", ""))
    if r.status_code != 302 or not match:
        raise RuntimeError(f"the batch page answered {r.status_code}: {r.text[:300]}")
    return int(match.group(1))


def _worker_with(task: str, workers: list[str]) -> str | None:
    for name in workers:
        if f"{task}[" in (VAR / f"{name}.log").read_text(errors="replace"):
            return name
    return None


def _faults(args, procs, cluster, plan, web, started, events) -> tuple[int, list]:
    """The batch and the two faults, on the load's clock; returns (batch id, down windows)."""
    from certification.models import CertificateBatch

    def at(seconds: float) -> None:
        time.sleep(max(0.0, started + seconds - time.time()))

    at(min(15, args.duration * 0.15))
    batch_id = _start_batch(web, plan)
    events.append(f"batch {batch_id} started at +{time.time() - started:.1f} s")
    windows: list[tuple[float, float]] = []
    if args.no_faults:
        return batch_id, windows
    killed = None
    deadline = time.time() + 60
    while time.time() < deadline:
        batch = CertificateBatch.objects.get(pk=batch_id)
        holder = _worker_with("certification.issue_certificate_batch", ["worker-a", "worker-b"])
        if batch.status == "done":
            break
        if holder and batch.processed >= min(10, batch.total // 5):
            procs.kill(holder)
            killed = holder
            events.append(
                f"worker_kill {holder} (SIGKILL, pool included) at +{time.time() - started:.1f} s,"
                f" batch at {batch.processed}/{batch.total}"
            )
            break
        time.sleep(0.1)
    if killed is None:
        events.append("worker_kill not done: the batch finished before it could be caught")
    else:
        time.sleep(5)
        procs.restart(killed)
        events.append(f"worker_restart {killed} at +{time.time() - started:.1f} s")
    # Restarted apart from the batch's resumption (a visibility timeout after the kill), so
    # each fault is seen on its own.
    at(max(time.time() - started + 8, args.duration * 0.3))
    down, up = cluster.restart()
    windows.append((down, up))
    events.append(
        f"db_restart at +{down - started:.1f} s, down {up - down:.1f} s (pg_ctl restart -m fast)"
    )
    return batch_id, windows


def _settle(redis_url: str, timeout: float) -> str:
    """Wait until the broker holds no task, unacknowledged ones included (a killed worker's
    come back after the visibility timeout; a task being run stays unacknowledged until it
    ends): then nothing more will happen to the batch or the ledger."""
    import redis

    client = redis.Redis.from_url(redis_url)
    began = time.monotonic()
    time.sleep(10)  # anything the last requests queued is on its way
    empty = 0
    while time.monotonic() - began < timeout:
        empty = empty + 1 if not client.llen("celery") + client.hlen("unacked") else 0
        if empty >= 3:
            return f"workers idle {time.monotonic() - began:.0f} s after the load"
        time.sleep(1)
    return f"workers still busy {timeout:.0f} s after the load"


def _gather(plan: dict, batch_id: int) -> dict:
    from django.db.models import Sum

    from certification.models import Certificate, CertificateBatch, HourEntry, Region
    from certification.selectors.rules import learning_policy_for
    from lms.models import LessonProgress

    people = [learner["person"] for learner in plan["learners"]]
    progress = []
    final = {}
    rows = LessonProgress.objects.filter(person_id__in=people).prefetch_related("days")
    for p in rows.select_related("lesson"):
        lesson = p.lesson.specific
        days = [(d.date, d.active_seconds, d.credited_hours) for d in p.days.all()]
        progress.append(
            {
                "person": p.person_id,
                "lesson": p.lesson_id,
                "credited_hours": p.credited_hours,
                "nominal_hours": lesson.nominal_hours,
                "days": days,
            }
        )
        final[(p.person_id, p.lesson_id)] = (p.active_seconds, p.credited_hours)
    ledger = {
        (row["person_id"], int(row["evidence__lesson"] or 0)): row["total"]
        for row in HourEntry.objects.filter(person_id__in=people, source="online")
        .values("person_id", "evidence__lesson")
        .annotate(total=Sum("hours"))
    }
    from django.utils import timezone

    policy = learning_policy_for(Region.objects.get(code="530100"), timezone.localdate())
    batch = CertificateBatch.objects.get(pk=batch_id)
    certs = Certificate.objects.filter(course_id=batch.course_id, kind="training")
    certificates = [{"person": c.person_id, "serial": c.serial, "pdf": c.pdf.name} for c in certs]
    missing = [c.serial for c in certs if c.pdf and not c.pdf.storage.exists(c.pdf.name)]
    return {
        "progress": progress,
        "final": final,
        "ledger": ledger,
        "minutes_per_hour": policy.minutes_per_class_hour,
        "batch": {
            "status": batch.status,
            "total": batch.total,
            "processed": batch.processed,
            "issued": batch.issued,
            "person_ids": batch.person_ids,
            "refusals": batch.refusals,
            "seconds": (batch.finished_at - batch.created_at).total_seconds()
            if batch.finished_at
            else None,
        },
        "certificates": certificates,
        "pdf_missing": missing,
    }


def run(args) -> int:
    import redis

    from load.cluster import Cluster

    VAR.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        redis.Redis.from_url(redis_url).flushdb()
    except redis.RedisError as exc:
        say(f"load needs Redis at {redis_url} ({exc})")
        return 2
    for leftover in ("media", "private", "audit"):  # files of the last run's database
        shutil.rmtree(VAR / leftover, ignore_errors=True)
    cluster = Cluster(VAR, args.port)
    _environment(cluster, redis_url)
    t = time.monotonic()
    migrated = cluster.prepare(_schema_key(), _migrate)
    say(
        f"# load: cluster ready in {time.monotonic() - t:.0f} s"
        + (" (migrated: the schema changed)" if migrated else " (schema from the last run)")
    )
    procs = Processes()
    try:
        return _run(args, cluster, procs, redis_url)
    finally:
        procs.stop_all()
        cluster.stop()


def _schema_key() -> str:
    """What the migrated schema depends on: the project's migrations and the pinned packages
    (whose migrations come with them)."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def _migrate(url: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        check=True,
        env=dict(os.environ, DATABASE_URL=url),
    )


def _run(args, cluster, procs, redis_url) -> int:
    t = time.monotonic()
    import django

    django.setup()
    from load import checks
    from load.seed import seed

    plan = seed(learners=args.seeded_learners, batch=args.batch)
    plan_path = VAR / "plan.json"
    plan_path.write_text(json.dumps(plan))
    say(f"# load: seeded in {time.monotonic() - t:.0f} s")
    webs = []
    for name in ("web-1", "web-2"):
        port = _free_port()
        procs.start(
            name,
            [
                str(BIN / "gunicorn"),
                "cms.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=1",
                "--worker-class=gthread",
                "--threads=8",
                "--log-level=warning",
            ],
        )
        webs.append((name, f"http://127.0.0.1:{port}"))
    celery = [str(BIN / "celery"), "-A", "cms"]
    for name in ("worker-a", "worker-b"):
        procs.start(
            name,
            [
                *celery,
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                f"--hostname=load-{name[-1]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
        )
    procs.start("beat", [*celery, "beat", "--loglevel=WARNING"])
    code = plan["learners"][0]["code"]
    for name, url in webs:
        _wait_http(f"{url}/verify/{code}/", procs, name)
    for name in ("worker-a", "worker-b"):
        _wait_log(name, r"ready\.", procs)
    record = VAR / "record.json"
    record.unlink(missing_ok=True)
    users = args.learners + args.api_clients + args.visitors
    env = dict(
        os.environ,
        LOAD_PLAN=str(plan_path),
        LOAD_HOSTS=",".join(url for _n, url in webs),
        LOAD_RECORD=str(record),
        LOAD_LEARNERS=str(args.learners),
        LOAD_API_CLIENTS=str(args.api_clients),
        LOAD_VISITORS=str(args.visitors),
    )
    with open(VAR / "locust.log", "wb") as log:
        locust = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "load" / "locustfile.py"),
                "--headless",
                f"--users={users}",
                f"--spawn-rate={max(1, users // 5)}",
                f"--run-time={args.duration}s",
                "--stop-timeout=15",
                "--only-summary",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started = time.time()
        events: list[str] = []
        say(
            f"# load: {args.learners} learners, {args.api_clients} API clients, {args.visitors}"
            f" visitors for {args.duration} s on {len(webs)} web processes, 2 workers"
        )
        try:
            batch_id, windows = _faults(args, procs, cluster, plan, webs[0][1], started, events)
        finally:
            locust.wait(timeout=args.duration + 120)
    for line in events:
        say(f"load fault {line}")
    settle_timeout = int(os.environ.get("LOAD_VISIBILITY_TIMEOUT", "30")) + 150
    say(f"# load: {_settle(redis_url, settle_timeout)}")
    from django.db import connections

    connections.close_all()  # PostgreSQL restarted under this process too
    data = json.loads(record.read_text())
    for name, s in checks.request_stats(data["requests"], args.duration).items():
        say(
            f"load {name} requests={s['requests']} failures={s['failures']} "
            f"p99_ms={s['p99_ms']:.0f} rps={s['rps']:.1f}"
        )
    rows = _gather(plan, batch_id)
    results = [
        checks.check_ledger(
            rows["progress"],
            rows["ledger"],
            rows["minutes_per_hour"],
            data["beats"],
            rows["final"],
            plan["heartbeat_seconds"],
        ),
        checks.check_batch(rows["batch"], rows["certificates"], rows["pdf_missing"]),
        checks.check_no_5xx_outside(data["requests"], windows, GRACE_SECONDS),
        _audit_check(),
        checks.Check(
            "processes_survived",
            not procs.dead(),
            "all web processes and workers running"
            if not procs.dead()
            else f"exited: {', '.join(procs.dead())}",
        ),
    ]
    for result in results:
        say(result.line())
    ok = all(r.ok for r in results)
    say(f"load result {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


def _audit_check():
    from load.checks import Check

    r = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "verify_audit", "--checkpoint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = (r.stdout + r.stderr).strip().splitlines()
    return Check("audit_chain_intact", r.returncode == 0, lines[-1] if lines else "")


def main(argv=None) -> int:
    return run(_args(argv))


if __name__ == "__main__":
    sys.exit(main())
