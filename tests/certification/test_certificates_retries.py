"""Issue 5 "must show": a retried task produces one certificate and one PDF (D-20). Celery
runs tasks with acks_late, so a worker lost mid-batch gets the same task again."""

import datetime as dt
import os

from django.db import OperationalError
from django.utils import timezone

from certification.models import Certificate, CertificateBatch
from certification.services.certificates import certificate_batch_create
from certification.tasks import certificates as tasks
from certification.tasks.certificates import (
    MISSING_PDF_GRACE,
    issue_certificate_batch,
    render_certificate_pdf,
    render_missing_certificate_pdfs,
)
from tests.certification.builders import earn


def _pdf_files(root) -> list[str]:
    return [f for _dirs, _sub, files in os.walk(root) for f in files if f.endswith(".pdf")]


def _batch_of_one(run_on_commit, cast, orgs, course) -> CertificateBatch:
    """The base issues the worker's certificate by a batch of one, tasks run on commit."""
    earn(cast.worker, course, orgs.base)
    with run_on_commit():
        return certificate_batch_create(
            actor=cast.base_staff,
            training_base=orgs.base,
            course=course,
            person_ids=[cast.worker.pk],
        )


def test_a_redelivered_batch_and_pdf_task_leave_one_certificate_and_one_pdf(
    run_on_commit, settings, cast, orgs, course
):
    batch = _batch_of_one(run_on_commit, cast, orgs, course)
    # The worker died before marking the batch done: Celery delivers both tasks again.
    CertificateBatch.objects.filter(pk=batch.pk).update(status="running", processed=0)
    cert = Certificate.objects.get(course=course)
    with run_on_commit():
        issue_certificate_batch.delay(batch.pk)
        render_certificate_pdf.delay(cert.pk)
    assert Certificate.objects.filter(course=course).count() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.issued) == ("done", 1)
    cert.refresh_from_db()
    assert cert.pdf.name.endswith(f"{cert.serial}.pdf")
    assert _pdf_files(settings.PRIVATE_STORAGE_ROOT) == [os.path.basename(cert.pdf.name)]


def _lost_pdf(cert) -> None:
    """The certificate committed but its PDF task never ran (the worker died before sending it,
    or it failed for good while the database was down)."""
    Certificate.objects.filter(pk=cert.pk).update(pdf="")


def test_a_batch_rerun_after_a_worker_died_renders_the_pdf_whose_task_was_lost(
    run_on_commit, cast, orgs, course
):
    batch = _batch_of_one(run_on_commit, cast, orgs, course)
    cert = Certificate.objects.get(course=course)
    _lost_pdf(cert)
    CertificateBatch.objects.filter(pk=batch.pk).update(status="running", processed=0)
    with run_on_commit():
        issue_certificate_batch.delay(batch.pk)  # Celery redelivers the unacknowledged batch
    cert.refresh_from_db()
    assert cert.serial in cert.pdf.name and cert.pdf.size > 0
    assert Certificate.objects.filter(course=course).count() == 1


def test_the_sweep_renders_a_pdf_lost_long_ago_and_leaves_a_fresh_one_to_its_task(
    run_on_commit, cast, orgs, course
):
    _batch_of_one(run_on_commit, cast, orgs, course)
    cert = Certificate.objects.get(course=course)
    _lost_pdf(cert)
    with run_on_commit():
        assert render_missing_certificate_pdfs.delay().get() == 0  # still within its grace
    cert.refresh_from_db()
    assert not cert.pdf
    Certificate.objects.filter(pk=cert.pk).update(
        created_at=timezone.now() - MISSING_PDF_GRACE - dt.timedelta(minutes=1)
    )
    with run_on_commit():
        assert render_missing_certificate_pdfs.delay().get() == 1
    cert.refresh_from_db()
    assert cert.serial in cert.pdf.name and cert.pdf.size > 0


def test_a_task_that_loses_the_database_is_retried_not_dropped(
    run_on_commit, monkeypatch, cast, orgs, course
):
    _batch_of_one(run_on_commit, cast, orgs, course)
    cert = Certificate.objects.get(course=course)
    _lost_pdf(cert)
    real, calls = tasks.certificate_pdf_bytes, []

    def database_restarting_once(certificate):
        calls.append(certificate.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(certificate)

    monkeypatch.setattr(tasks, "certificate_pdf_bytes", database_restarting_once)
    # Eagerly, Celery runs the retry at once, inside the first call.
    render_certificate_pdf.apply(args=[cert.pk], throw=False)
    assert calls == [cert.pk, cert.pk]
    cert.refresh_from_db()
    assert cert.serial in cert.pdf.name and cert.pdf.size > 0
