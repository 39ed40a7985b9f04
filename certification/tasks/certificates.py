"""Certificate tasks: ids in, idempotent (D-17…D-20)."""

import datetime as dt

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction

from certification.models import Certificate
from certification.pdf import certificate_pdf_bytes
from certification.services.certificates import (
    certificate_batch_process,
    certificate_issue_cycle_statement,
    certificate_pdfs_requeue_missing,
)

# Longer than a render normally waits in the queue, so the sweep does not race the first task.
MISSING_PDF_GRACE = dt.timedelta(minutes=10)


@shared_task(name="certification.render_certificate_pdf")
def render_certificate_pdf(certificate_id: int) -> None:
    """Render and store the PDF once; a retry finds it stored and does nothing."""

    cert = Certificate.objects.select_related("person", "course").get(pk=certificate_id)
    if cert.pdf:
        return
    data = certificate_pdf_bytes(cert)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        if locked.pdf:
            return
        locked.pdf.save(f"{locked.serial}.pdf", ContentFile(data), save=False)
        Certificate.objects.filter(pk=certificate_id).update(pdf=locked.pdf.name)


@shared_task(name="certification.render_missing_certificate_pdfs")
def render_missing_certificate_pdfs() -> int:
    """Beat's net under every lost PDF task: a certificate never stays without its PDF."""
    with transaction.atomic():
        return certificate_pdfs_requeue_missing(older_than=MISSING_PDF_GRACE)


@shared_task(name="certification.issue_certificate_batch")
def issue_certificate_batch(batch_id: int) -> None:

    certificate_batch_process(batch_id=batch_id)


@shared_task(name="certification.issue_cycle_statement")
def issue_cycle_statement(summary_id: int) -> None:

    certificate_issue_cycle_statement(summary_id=summary_id)
