"""Large Excel imports run in Celery (D-19 skill-level certificates, D-22 ban register).

One mechanism for every kind of import: files with more data rows than ASYNC_IMPORT_ROWS are
stored privately as an ImportJob and processed by the `certification.run_import_job` task,
which dispatches on the job's kind. Each kind supplies an ImportHandler:

- `validate(job, fileobj, progress)` checks every row (calling `progress(done, total)` now and
  then) and returns the records, or raises ImportRowErrors naming each bad row;
- `save(job, records)` writes them and returns how many were saved.

All or nothing: the records and the job's "done" status are written in one transaction; with any
bad row nothing is saved and the job keeps the row errors. The upload (ID numbers) is deleted once
processed. Only the requester may see the job (see access.imports).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from certification import queue
from certification.audit import audit_record
from certification.models import ImportJob

# Files with more data rows than this are imported by a Celery task with a progress bar.
ASYNC_IMPORT_ROWS = 200


class ImportRowErrors(Exception):
    """Raised by a handler's validate: `errors` are dicts {"row", "reason"[, "column"]}."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(str(e.get("reason", "")) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportHandler:
    validate: Callable  # (job, fileobj, progress) -> records
    save: Callable  # (job, records) -> int saved
    filename: str  # name of the stored upload


def _handlers() -> dict[str, ImportHandler]:
    # The importers build on this module (ImportHandler, import_job_queue): imported here, late.
    from certification.services import ban_register, skill_certificates  # noqa: PLC0415

    return {
        ImportJob.Kind.SKILL_CERTIFICATES: skill_certificates.IMPORT_HANDLER,
        ImportJob.Kind.BANS: ban_register.IMPORT_HANDLER,
    }


def xlsx_row_count(fileobj) -> int:
    """Data rows an .xlsx claims (its sheet dimension), without reading the cells."""
    try:
        sheet = load_workbook(fileobj, read_only=True).worksheets[0]
        return max((sheet.max_row or 1) - 1, 0)
    except Exception:  # noqa: BLE001 - a junk file is reported by the import itself
        return 0
    finally:
        fileobj.seek(0)


def import_is_large(fileobj) -> bool:
    """Whether an upload goes through an ImportJob instead of the request."""
    return xlsx_row_count(fileobj) > ASYNC_IMPORT_ROWS


def import_job_queue(
    *, actor, kind: str, upload, audit_action: str, region=None, ip: str | None = None
) -> ImportJob:
    """Store the upload privately as a pending job, audit it and enqueue
    certification.run_import_job (id only) after commit. The caller has checked the actor's
    right to import and the file's type and size."""
    with transaction.atomic():
        job = ImportJob(
            kind=kind, requested_by=actor, region=region, ip=ip, total=xlsx_row_count(upload)
        )
        job.upload.save(_handlers()[kind].filename, upload, save=False)
        job.save()
        audit_record(
            actor=actor,
            action=audit_action,
            obj=job,
            ip=ip,
            region_path=region.path if region else "",
            data={"rows": job.total},
        )
        queue.enqueue_after_commit(queue.RUN_IMPORT_JOB, job.pk)
    return job


def import_job_process(*, job_id: int) -> ImportJob:
    """The task body: validate every row (progress = rows checked), then write all rows in one
    transaction together with the final counters; on bad rows save nothing and keep the row
    errors. Idempotent: a finished job is left alone, a redelivered one starts over (the write
    transaction either committed with status done or not at all). The upload is deleted when
    done."""
    job = ImportJob.objects.select_related("requested_by", "region").get(pk=job_id)
    if job.finished:
        return job
    handler = _handlers()[job.kind]
    jobs = ImportJob.objects.filter(pk=job.pk)
    jobs.update(status=ImportJob.Status.RUNNING, processed=0)

    def progress(done, total):
        jobs.update(processed=done, total=total)

    try:
        with job.upload.open("rb") as fileobj:
            records = handler.validate(job, fileobj, progress)
    except ImportRowErrors as exc:
        jobs.update(
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            processed=job.total or 0,
            errors=exc.errors,
        )
    else:
        with transaction.atomic():
            saved = handler.save(job, records)
            jobs.update(
                status=ImportJob.Status.DONE,
                saved=saved,
                processed=len(records),
                total=len(records),
                finished_at=timezone.now(),
            )
    job.refresh_from_db()
    if job.upload:
        job.upload.delete(save=True)  # PII: the ID numbers are no longer needed
    return job
