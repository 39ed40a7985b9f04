"""Queue a Celery task by name after the current transaction commits.

Services enqueue work here instead of importing `certification.tasks` (tasks call services, so
the import would point back up the layers). The task runs only if the transaction commits, so a
rolled-back change never leaves a job behind; in tests (eager) it runs at the commit."""

from celery import current_app
from django.db import transaction

# Names of the tasks services enqueue (declared with @shared_task(name=...) in certification/tasks/).
RENDER_CERTIFICATE_PDF = "certification.render_certificate_pdf"
ISSUE_CERTIFICATE_BATCH = "certification.issue_certificate_batch"
ISSUE_CYCLE_STATEMENT = "certification.issue_cycle_statement"
RECOMPUTE_COMPLIANCE = "certification.recompute_compliance"
RUN_IMPORT_JOB = "certification.run_import_job"
DELIVER_OUTBOX = "certification.deliver_outbox"


def registered_task(name: str):
    """The task called `name`; loads the task modules on first use (a web process does not)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]  # KeyError: a name no task declares is a programming error


def enqueue_after_commit(name: str, *args, **kwargs) -> None:
    task = registered_task(name)  # fail now, in the caller, not silently after the commit
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
