"""Import job views (thin): progress page and JSON status for a large Excel import run in
Celery (D-19 skill-level certificates, D-22 ban register, class rosters). Requester only."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse

from certification.access.imports import access_import_job
from certification.services.imports import import_handler
from certification.spreadsheets import RowError


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_job_progress(request, pk: int):
    job = access_import_job(request.user, pk, request=request)
    errors = [RowError.from_dict(e) for e in job.errors]
    return _no_store(
        render(
            request,
            "certification/imports/progress.html",
            {
                "job": job,
                "errors": errors,
                "status_url": reverse("certification:import_job_status", args=[job.pk]),
                "back_url": import_handler(job.kind).back_url(job),
            },
        )
    )


@login_required
def import_job_status(request, pk: int):
    """Same shape as batch_status, so certification/batch_progress.js drives both bars."""
    job = access_import_job(request.user, pk, request=request)
    refusals = [
        {"name": e.place, "reasons": [e.message]} for e in map(RowError.from_dict, job.errors)
    ]
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
