"""Certificate bench (issue 5): PDF median ms per certificate vs bare WeasyPrint on the same HTML
(ratio target <= 1.2), and a 500-certificate batch through a real Celery worker against bare
WeasyPrint rendering the same 500 on 2 processes (certificate_batch_500_ratio, goal <= 1.2; needs
Redis at BENCH_CELERY_BROKER_URL, default redis://127.0.0.1:6379/5, and PostgreSQL; otherwise
prints a "# skipped …" line with the reason)."""

import datetime as dt
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from bench.http import database_url

RENDERS = 30
BATCH = 500


def _fixture():
    from wagtail.models import Page

    from certification.models import Accreditation, Organisation, Region, StaffMembership
    from cms.models import CoursePage
    from tests.factories import OrganisationFactory, UserFactory
    from tests.factories import region as make_region

    region = Region.objects.filter(code="530100").first() or make_region(
        "530100", "昆明市", make_region("530000", "云南省")
    )
    base = OrganisationFactory(
        name="昆明市托育培训基地", region=region, kind=Organisation.Kind.TRAINING_BASE
    )
    user = UserFactory(email="bench-base@example.test")
    StaffMembership.objects.create(user=user, role="base_staff", organisation=base)
    course = Page.get_first_root_node().add_child(
        instance=CoursePage(
            title="托育从业人员岗前培训",
            slug="bench-cert",
            code="BENCH-CERT",
            theory_hours=Decimal("8"),
            practice_hours=Decimal("0"),
            has_theory_test=False,
            has_practical_assessment=False,
            audience_roles=["all"],
        )
    )
    today = timezone.localdate()
    Accreditation.objects.create(
        training_base=base,
        valid_from=today - dt.timedelta(days=9),
        valid_to=today + dt.timedelta(days=9),
    ).courses.add(course)
    return region, base, user, course


def _people(region, course, base, n, start):
    from certification.models import HourEntry
    from tests.factories import PersonFactory

    people = []
    for _ in range(n):
        p = PersonFactory(region=region)
        HourEntry.objects.create(
            person=p,
            date=timezone.localdate(),
            hours=Decimal("8"),
            kind="theory",
            source="offline",
            course=course,
            training_base=base,
        )
        people.append(p)
    return people


def run(report):
    from weasyprint import HTML

    from certification.pdf import certificate_html, certificate_pdf_bytes, html_to_pdf
    from certification.services.certificates import certificate_issue_training
    from certification.services.credentials import certificate_credential

    region, base, user, course = _fixture()
    people = _people(region, course, base, RENDERS, 0)
    certs = [
        certificate_issue_training(actor=user, person=p, course=course, training_base=base)
        for p in people
    ]
    HTML(string=certificate_html(certs[0])).write_pdf()  # warm fontconfig caches
    ours, unsealed, bare = [], [], []
    for c in certs:
        t = time.perf_counter()
        certificate_pdf_bytes(c)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        html_to_pdf(certificate_html(c))  # the same certificate without its seal
        unsealed.append((time.perf_counter() - t) * 1000)
        html = certificate_html(c)
        t = time.perf_counter()
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
        bare.append((time.perf_counter() - t) * 1000)
    pdf_ms, bare_ms = statistics.median(ours), statistics.median(bare)
    unsealed_ms = statistics.median(unsealed)
    report("certificate_pdf_ms", pdf_ms, "ms")  # rendered and sealed (PAdES)
    report("weasyprint_bare_ms", bare_ms, "ms")
    report("certificate_pdf_ratio", pdf_ms / bare_ms, "x")
    # The signed credential (issue 19): built, signed and its status entry read, per download.
    for c in certs:  # first use gives each its status-list entry and the province its key
        certificate_credential(c)
    signing = []
    for c in certs:
        t = time.perf_counter()
        certificate_credential(c)
        signing.append((time.perf_counter() - t) * 1000)
    sign_ms = statistics.median(signing)
    report("credential_sign_ms", sign_ms, "ms")
    report("certificate_pdf_and_credential_ratio", (pdf_ms + sign_ms) / bare_ms, "x")
    # What the seal and the credential add to the certificate as rendered before issue 19.
    report("certificate_unsealed_ms", unsealed_ms, "ms")
    report("certificate_seal_and_credential_ratio", (pdf_ms + sign_ms) / unsealed_ms, "x")
    _batch(report, region, base, user, course)


def _worker_env(broker: str) -> dict:
    """The worker process must use this run's test database (bench/__main__ created it), on
    the server this process uses: DATABASE_URL's, or the embedded one when it is unset."""
    return dict(
        os.environ,
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker,
        # The test settings run tasks eagerly; the worker must queue the PDF tasks.
        DJANGO_SETTINGS_MODULE="bench.worker_settings",
    )


def _broker_reachable(app) -> str:
    """'' when the broker answers, else the reason."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001 - any connection error means "skip"
        return f"{type(exc).__name__}: {exc}"
    return ""


def _batch(report, region, base, user, course):
    """A 500-certificate batch through a real Celery worker (prefork, 2 processes): the batch
    task issues, the PDF tasks it queues render in the other process. Measures from sending
    the batch task until every certificate has its PDF."""
    from celery import Celery

    from certification.models import Certificate, CertificateBatch

    broker = os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
    app = Celery("bench-client", broker=broker)
    reason = _broker_reachable(app)
    if reason:
        print(f"# skipped certificate_batch_500: no broker at {broker} ({reason})")
        return
    app.control.purge()
    people = _people(region, course, base, BATCH, 0)
    batch = CertificateBatch.objects.create(
        training_base=base,
        course=course,
        person_ids=[p.pk for p in people],
        requested_by=user,
        total=BATCH,
    )
    celery_bin = os.path.join(os.path.dirname(sys.executable), "celery")
    log_path = settings.BASE_DIR / "var" / "bench-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    worker_log = open(log_path, "wb")  # noqa: SIM115 - closed with the worker below
    worker = subprocess.Popen(  # noqa: S603 - fixed argv, our own venv
        [
            celery_bin,
            "-A",
            "cms",
            "worker",
            "--pool=prefork",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        env=_worker_env(broker),
        cwd=str(settings.BASE_DIR),
        # The worker's banner and log go to a file: stdout carries only `bench …` lines.
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        ready_by = time.perf_counter() + 120
        while not app.control.ping(timeout=1.0):
            if worker.poll() is not None or time.perf_counter() > ready_by:
                print(
                    f"# skipped certificate_batch_500: worker did not start (exit {worker.poll()})"
                )
                return
        started = time.perf_counter()
        app.send_task("certification.issue_certificate_batch", args=[batch.pk])
        deadline = started + 1800
        issued_at = None
        done = 0
        while time.perf_counter() < deadline:
            batch.refresh_from_db()
            if batch.status == "failed":
                break
            if batch.status == "done" and issued_at is None:
                issued_at = time.perf_counter() - started
            done = (
                Certificate.objects.filter(course=course, person_id__in=batch.person_ids)
                .exclude(pdf="")
                .count()
            )
            if issued_at is not None and done >= batch.issued:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        if batch.status != "done" or done < batch.issued:
            print(
                f"# certificate batch did not finish: {batch.status} "
                f"{batch.processed}/{BATCH} issued, {done} PDFs"
            )
            return
        if batch.issued != BATCH:
            print(f"# certificate batch issued {batch.issued}/{BATCH}: {batch.refusals[:3]}")
        report("certificate_batch_500_issue_seconds", issued_at, "s")
        report("certificate_batch_500_seconds", elapsed, "s")
        report("certificate_batch_500_rate", batch.issued / elapsed, "certificates/s")
        floor = _bare_batch_seconds(course, batch.person_ids)
        report("certificate_batch_500_floor_seconds", floor, "s")
        report("certificate_batch_500_ratio", elapsed / floor, "x")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        worker_log.close()


def _render_bare(html: str) -> int:
    from weasyprint import HTML

    return len(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def _bare_batch_seconds(course, person_ids) -> float:
    """The batch's floor: bare WeasyPrint rendering the same certificates' HTML on 2 processes
    (as many as the worker has), without issuing, sealing, storing or queueing."""
    from certification.models import Certificate
    from certification.pdf import certificate_html

    htmls = [
        certificate_html(c)
        for c in Certificate.objects.filter(course=course, person_id__in=person_ids)
    ]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_render_bare, htmls[:4])  # warm each process's fontconfig caches
        started = time.perf_counter()
        pool.map(_render_bare, htmls, chunksize=8)
        return time.perf_counter() - started
