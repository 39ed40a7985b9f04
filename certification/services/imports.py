"""Large Excel imports run in Celery (D-19 skill-level certificates, D-22 ban register, class
rosters).

One mechanism for every kind of import: an upload that certification.spreadsheets calls large
(by bytes, then by rows) is never parsed in the request; it is stored privately as an ImportJob
and processed by the `certification.run_import_job` task, which dispatches on the job's kind.
Each kind registers an ImportHandler (from its app's AppConfig.ready, so lms can add its own
without certification importing lms):

- `validate(job, fileobj, progress)` checks every row (calling `progress(rows_done)` now and
  then) and returns the records, or raises SpreadsheetRefused naming each bad row;
- `save(job, records)` writes them and returns how many were saved;
- `back_url(job)` is where the progress page's "back" link leads.

All or nothing: the records and the job's "done" status are written in one transaction; with any
bad row nothing is saved and the job keeps the row errors. The upload (ID numbers) is deleted once
processed. Only the requester may see the job (see access.imports). The job's status moves only
through `_job_move` (pending → running → done | failed; running → running on a redelivery),
each move audited.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from certification import queue
from certification.audit import audit_record
from certification.models import ImportJob
from certification.spreadsheets import (
    SpreadsheetRefused,
    spreadsheet_check,
    spreadsheet_claimed_rows,
    spreadsheet_count_rows,
)

J = ImportJob.Status
JOB_TRANSITIONS: dict[str, set[str]] = {
    J.PENDING: {J.RUNNING},
    J.RUNNING: {J.RUNNING, J.DONE, J.FAILED},  # a redelivered task starts over
    J.DONE: set(),
    J.FAILED: set(),
}


@dataclass(frozen=True)
class ImportHandler:
    validate: Callable  # (job, fileobj, progress) -> records
    save: Callable  # (job, records) -> int saved
    filename: str  # name of the stored upload
    back_url: Callable  # (job) -> URL of the import page


_HANDLERS: dict[str, ImportHandler] = {}


def import_handler_register(kind: str, handler: ImportHandler) -> None:
    _HANDLERS[kind] = handler


def import_handler(kind: str) -> ImportHandler:
    return _HANDLERS[kind]


def import_job_queue(
    *,
    actor,
    kind: str,
    upload,
    audit_action: str,
    region=None,
    ip: str | None = None,
    params: dict | None = None,
) -> ImportJob:
    """Store the upload privately as a pending job, audit it and enqueue
    certification.run_import_job (id only) after commit. The caller has checked the actor's
    right to import and the file's content (spreadsheet_check)."""
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            requested_by=actor,
            region=region,
            ip=ip,
            params=params or {},
            total=spreadsheet_claimed_rows(upload),  # an estimate until the task has counted
        )
        job.upload.save(import_handler(kind).filename, upload, save=False)
        job.save()
        audit_record(
            actor=actor,
            action=audit_action,
            obj=job,
            ip=ip,
            region_path=region.path if region else "",
            data={"rows": job.total, "kind": kind},
        )
        queue.enqueue_after_commit(queue.RUN_IMPORT_JOB, job.pk)
    return job


def _job_move(job: ImportJob, to_status: str, **counters) -> bool:
    """The import job's state machine: a move its status allows, with its counters, audited."""
    moved = ImportJob.objects.filter(
        pk=job.pk, status__in=[s for s, targets in JOB_TRANSITIONS.items() if to_status in targets]
    ).update(status=to_status, **counters)
    if moved:
        audit_record(
            actor=job.requested_by,
            action=f"import.{to_status}",
            obj=job,
            region_path=job.region.path if job.region else "",
            data={
                "kind": job.kind,
                **{k: v for k, v in counters.items() if k in ("saved", "processed", "total")},
                "errors": len(counters.get("errors") or []),
            },
        )
    return bool(moved)


def import_job_process(*, job_id: int) -> ImportJob:
    """The task body: validate every row (progress = rows checked), then write all rows in one
    transaction together with the final counters; on bad rows save nothing and keep the row
    errors. Idempotent: a finished job is left alone, a redelivered one starts over (the write
    transaction either committed with status done or not at all). The upload is deleted when
    done."""
    job = ImportJob.objects.select_related("requested_by", "region").get(pk=job_id)
    if job.finished or not _job_move(job, J.RUNNING, processed=0):
        return job
    handler = import_handler(job.kind)
    jobs = ImportJob.objects.filter(pk=job.pk)

    def progress(done):
        jobs.update(processed=done)

    try:
        with job.upload.open("rb") as fileobj:
            spreadsheet_check(fileobj)
            # A first streaming pass: the exact total, and the row limit before any row's work.
            jobs.update(total=spreadsheet_count_rows(fileobj))
            records = handler.validate(job, fileobj, progress)
    except SpreadsheetRefused as exc:
        job.refresh_from_db(fields=["total"])
        _job_move(
            job,
            J.FAILED,
            finished_at=timezone.now(),
            processed=job.total,  # every row was checked (or none could be)
            errors=[e.as_dict() for e in exc.errors],
        )
    else:
        with transaction.atomic():
            saved = handler.save(job, records)
            _job_move(
                job,
                J.DONE,
                saved=saved,
                processed=len(records),
                total=len(records),
                finished_at=timezone.now(),
            )
    job.refresh_from_db()
    if job.upload:
        job.upload.delete(save=True)  # PII: the ID numbers are no longer needed
    return job
