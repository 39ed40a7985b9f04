"""Large Excel imports (D-19, D-22): id in, idempotent; dispatches on the job's kind."""

from celery import shared_task

from certification.services.imports import import_job_process


@shared_task(name="certification.run_import_job")
def run_import_job(job_id: int) -> None:
    import_job_process(job_id=job_id)
