"""Certificate bench (issue 5): PDF median ms per certificate vs bare WeasyPrint on the same HTML
(ratio target <= 1.2), and a 500-certificate batch through a real Celery worker (needs
CELERY_BROKER_URL=redis://… and PostgreSQL; otherwise prints "# skipped: no broker")."""

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

RENDERS = 30
BATCH = 500


def _fixture():
    from wagtail.models import Page

    from certification.models import Accreditation, Organisation, Region, StaffMembership
    from cms.models import CoursePage
    from tests.factories import OrganisationFactory, UserFactory
    from tests.factories import region as make_region

    region = Region.objects.filter(code="530100").first() or make_region(
        "530100", "昆明市", make_region("530000", "云南省"))
    base = OrganisationFactory(name="昆明市托育培训基地", region=region,
                               kind=Organisation.Kind.TRAINING_BASE)
    user = UserFactory(email="bench-base@example.test")
    StaffMembership.objects.create(user=user, role="base_staff", organisation=base)
    course = Page.get_first_root_node().add_child(instance=CoursePage(
        title="托育从业人员岗前培训", slug="bench-cert", code="BENCH-CERT",
        theory_hours=Decimal("8"), practice_hours=Decimal("0"), has_theory_test=False,
        has_practical_assessment=False, audience_roles=["all"]))
    today = timezone.localdate()
    Accreditation.objects.create(training_base=base, valid_from=today - dt.timedelta(days=9),
                                 valid_to=today + dt.timedelta(days=9)).courses.add(course)
    return region, base, user, course


def _people(region, course, base, n, start):
    from certification.models import HourEntry
    from tests.factories import PersonFactory

    people = []
    for _ in range(n):
        p = PersonFactory(region=region)
        HourEntry.objects.create(person=p, date=timezone.localdate(), hours=Decimal("8"),
                                 kind="theory", source="offline", course=course,
                                 training_base=base)
        people.append(p)
    return people


def run(report):
    from weasyprint import HTML

    from certification.pdf import certificate_html, certificate_pdf_bytes
    from certification.services.certificates import certificate_issue_training

    region, base, user, course = _fixture()
    people = _people(region, course, base, RENDERS, 0)
    certs = [certificate_issue_training(actor=user, person=p, course=course, training_base=base)
             for p in people]
    HTML(string=certificate_html(certs[0])).write_pdf()  # warm fontconfig caches
    ours, bare = [], []
    for c in certs:
        t = time.perf_counter()
        certificate_pdf_bytes(c)
        ours.append((time.perf_counter() - t) * 1000)
        html = certificate_html(c)
        t = time.perf_counter()
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
        bare.append((time.perf_counter() - t) * 1000)
    pdf_ms, bare_ms = statistics.median(ours), statistics.median(bare)
    report("certificate_pdf_ms", pdf_ms, "ms")
    report("weasyprint_bare_ms", bare_ms, "ms")
    report("certificate_pdf_ratio", pdf_ms / bare_ms, "x")
    _batch(report, region, base, user, course)


def _batch(report, region, base, user, course):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis") or connection.vendor != "postgresql":
        print("# skipped: no broker (certificate_batch_500 needs Redis and PostgreSQL)")
        return
    from celery import current_app

    from certification.models import CertificateBatch

    people = _people(region, course, base, BATCH, 0)
    batch = CertificateBatch.objects.create(training_base=base, course=course,
                                            person_ids=[p.pk for p in people],
                                            requested_by=user, total=BATCH)
    db = connection.settings_dict
    env = dict(os.environ, DATABASE_URL=(f"postgres://{db['USER']}:{db['PASSWORD'] or ''}"
                                         f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                                         f"/{db['NAME']}"),
               DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE",
                                                     "cms.settings.test"))
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "cms", "worker", "--pool=solo", "-Q", "celery",
         "--loglevel=WARNING"], env=env, cwd=str(settings.BASE_DIR))
    try:
        current_app.conf.task_always_eager = False
        started = time.perf_counter()
        current_app.send_task("certification.issue_certificate_batch", args=[batch.pk])
        deadline = started + 900
        while time.perf_counter() < deadline:
            batch.refresh_from_db()
            if batch.status in ("done", "failed"):
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        if batch.status != "done":
            print(f"# certificate batch did not finish: {batch.status} {batch.processed}/{BATCH}")
            return
        report("certificate_batch_500_seconds", elapsed, "s")
    finally:
        current_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER \
            if hasattr(settings, "CELERY_TASK_ALWAYS_EAGER") else True
        worker.terminate()
        worker.wait(timeout=30)
