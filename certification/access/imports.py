"""Access to import jobs (D-19, D-22): only the user who started a job may see it."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from certification.models import ImportJob


def access_import_job(user, job_id: int, *, request=None) -> ImportJob:
    """The job if `user` started it. Anyone else gets a 404 (the job's existence is not
    revealed), recorded in the audit trail like every other denial."""
    from certification.audit import audit_record, client_ip

    job = get_object_or_404(ImportJob.objects.select_related("region"), pk=job_id)
    if job.requested_by_id != getattr(user, "pk", None):
        audit_record(
            actor=user if getattr(user, "pk", None) else None,
            action="access.denied",
            obj=job,
            data={"attempted": f"import.view:{job.kind}"},
            ip=client_ip(request),
        )
        raise Http404
    return job
