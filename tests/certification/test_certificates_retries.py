"""Issue 5 "must show": a retried task produces one certificate and one PDF (D-20). Celery
runs tasks with acks_late, so a worker lost mid-batch gets the same task again."""

import os

from certification.models import Certificate, CertificateBatch
from certification.services.certificates import certificate_batch_create
from certification.tasks.certificates import issue_certificate_batch, render_certificate_pdf
from tests.certification.builders import earn


def _pdf_files(root) -> list[str]:
    return [f for _dirs, _sub, files in os.walk(root) for f in files if f.endswith(".pdf")]


def test_a_redelivered_batch_and_pdf_task_leave_one_certificate_and_one_pdf(
    run_on_commit, settings, cast, orgs, course
):
    earn(cast.worker, course, orgs.base)
    with run_on_commit():
        batch = certificate_batch_create(
            actor=cast.base_staff,
            training_base=orgs.base,
            course=course,
            person_ids=[cast.worker.pk],
        )
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
