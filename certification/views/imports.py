"""Import job views (thin): progress page and JSON status for a large Excel import run in
Celery (D-19 skill-level certificates, D-22 ban register). Requester only."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from certification.access.imports import access_import_job
from certification.models import ImportJob

# Where "back to the import" leads, per kind.
IMPORT_PAGES = {
    ImportJob.Kind.SKILL_CERTIFICATES: "certification:skill_certificate_import",
    ImportJob.Kind.BANS: "certification:ban_import",
}


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _error_name(error: dict) -> str:
    if not error.get("row"):
        return _("文件")
    name = _("第%(row)s行") % {"row": error["row"]}
    return f"{name}【{error['column']}】" if error.get("column") else name


@login_required
def import_job_progress(request, pk: int):
    job = access_import_job(request.user, pk, request=request)
    errors = [{"name": _error_name(e), "reason": e["reason"]} for e in job.errors]
    return _no_store(
        render(
            request,
            "certification/imports/progress.html",
            {
                "job": job,
                "errors": errors,
                "status_url": reverse("certification:import_job_status", args=[job.pk]),
                "back_url": reverse(IMPORT_PAGES[job.kind]),
            },
        )
    )


@login_required
def import_job_status(request, pk: int):
    """Same shape as batch_status, so certification/batch_progress.js drives both bars."""
    job = access_import_job(request.user, pk, request=request)
    refusals = [{"name": _error_name(e), "reasons": [e["reason"]]} for e in job.errors]
    return _no_store(
        JsonResponse(
            {
                "status": job.status,
                "total": job.total,
                "processed": job.processed,
                "issued": job.saved,
                "percent": job.percent,
                "refusals": refusals,
            }
        )
    )
