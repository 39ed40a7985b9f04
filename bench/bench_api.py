"""Data-exchange API throughput (issue 8): the compliance and the certificate-verification
endpoints under a bounded load on loopback.

A real server (gunicorn, 2 gthread workers × 8 threads, persistent database connections as in
production) serves the bench database; wrk drives it with 32 connections for 20 s per endpoint,
rotating over BENCH_API_PEOPLE (default 1,000) seeded people / certificates with one regulator
key. Reports requests/s and the p99 latency wrk measures (--latency). Skipped with a
reason without wrk.
"""

import datetime as dt
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
from pathlib import Path

from django.db import connection

PEOPLE = int(os.environ.get("BENCH_API_PEOPLE", "1000"))
DURATION = os.environ.get("BENCH_API_DURATION", "20s")
CONNECTIONS = 32
ROOT = Path(__file__).resolve().parent.parent


def _seed():
    """PEOPLE caregivers at one institution in their own province (so other benches' regional
    figures are untouched), each with a maintained cycle summary and one certificate."""
    from certification import pii
    from certification.api.auth import api_key_create
    from certification.models import ApiKey, Certificate, Employment, Organisation, Person
    from certification.services.compliance import compliance_on_employment_change
    from tests.factories import OrganisationFactory
    from tests.factories import region as make_region

    province = make_region("650000", "新疆维吾尔自治区")
    city = make_region("650100", "乌鲁木齐市", province)
    inst = OrganisationFactory(name="基准接口托育园", region=city)
    base = OrganisationFactory(
        name="基准接口培训基地", region=city, kind=Organisation.Kind.TRAINING_BASE
    )
    cipher = pii.encrypt("650102199001010000")
    people = Person.objects.bulk_create(
        [
            Person(
                name=f"接口{i}",
                id_type="resident",
                id_cipher=cipher,
                id_index=f"bench-api-{i}",
                id_masked="650102**********00",
                region=city,
                birth_date=dt.date(1990, 1, 1),
            )
            for i in range(PEOPLE)
        ]
    )
    Employment.objects.bulk_create(
        [
            Employment(
                person=p,
                institution=inst,
                role="caregiver",
                start_date=dt.date(2022, 1, 1) + dt.timedelta(days=i % 900),
            )
            for i, p in enumerate(people)
        ]
    )
    for p in people:
        compliance_on_employment_change(person=p)
    certs = Certificate.objects.bulk_create(
        [
            Certificate(
                kind="training",
                serial=f"BA-2026-{i:06d}",
                verification_code=f"bench-api-code-{i:06d}",
                person=p,
                issuer=base,
                issuer_name=base.name,
                issue_date=dt.date(2026, 1, 1),
            )
            for i, p in enumerate(people)
        ]
    )
    _key, secret = api_key_create(
        actor=None, name="基准监管系统", role=ApiKey.Role.REGULATOR, region=province
    )
    return ([p.pk for p in people], [c.verification_code for c in certs], secret)


def _cleanup() -> None:
    """Take the seeded rows out again so later benches see the database they expect (the audit
    rows of the key stay: the trail is append-only)."""
    from certification.models import (
        ApiKey,
        Certificate,
        CycleSummary,
        Employment,
        Organisation,
        Person,
    )

    people = Person.objects.filter(id_index__startswith="bench-api-")
    Certificate.objects.filter(person__in=people).delete()
    CycleSummary.objects.filter(person__in=people).delete()
    Employment.objects.filter(person__in=people).delete()
    people.delete()
    ApiKey.objects.filter(name="基准监管系统").delete()
    Organisation.objects.filter(name__in=["基准接口托育园", "基准接口培训基地"]).delete()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_server(port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=_database_url(),
        DATABASE_CONN_MAX_AGE="60",
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(  # noqa: S603
        [
            str(gunicorn),
            "cms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_ready(url: str, secret: str, server: subprocess.Popen) -> None:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:  # refused while booting, or timed out on a cold worker
            time.sleep(0.5)
    raise RuntimeError("server did not answer within 60 s")


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _wrk(base_url: str, paths: list[str], secret: str) -> tuple[float, float]:
    """Run wrk over `paths` in turn; return (requests/s, p99 ms). Any non-2xx fails the run."""
    lua = (
        "paths = {"
        + ",".join(f'"{p}"' for p in paths)
        + "}\n"
        + (
            "i = 0\nrequest = function()\n  i = i % #paths + 1\n"
            "  return wrk.format('GET', paths[i])\nend\n"
        )
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = subprocess.run(  # noqa: S603
            [
                shutil.which("wrk"),
                "-t",
                "2",
                "-c",
                str(CONNECTIONS),
                "-d",
                DURATION,
                "--latency",
                "-s",
                script.name,
                "-H",
                f"Authorization: Bearer {secret}",
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout
    finally:
        os.unlink(script.name)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} non-2xx responses:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = _duration_ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    return rps, p99


def run(report):
    if shutil.which("wrk") is None:
        print(
            "# bench_api skipped: wrk is not installed (Debian package wrk; `make` installs "
            "it as root)",
            flush=True,
        )
        return
    person_ids, codes, secret = _seed()
    try:
        _measure(report, person_ids, codes, secret)
    finally:
        _cleanup()


def _measure(report, person_ids: list[int], codes: list[str], secret: str) -> None:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = _start_server(port)
    try:
        _wait_ready(f"{base_url}/api/v1/persons/{person_ids[0]}/compliance", secret, server)
        rps, p99 = _wrk(base_url, [f"/api/v1/persons/{i}/compliance" for i in person_ids], secret)
        report("api_compliance_rps", rps, "req/s")
        report("api_compliance_p99_ms", p99, "ms")
        rps, p99 = _wrk(base_url, [f"/api/v1/certificates/verify/{c}" for c in codes], secret)
        report("api_verify_rps", rps, "req/s")
        report("api_verify_p99_ms", p99, "ms")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
