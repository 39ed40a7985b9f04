"""Subsidy applications (D-29): HR systems list and decide; regulators list.

Decisions go through the same services as the HR review page: the row lock and status check
there refuse a second decision (409 `invalid_state`), the final approval re-runs the ban gate,
and the key's service account is recorded as the reviewer, so a payment officer in the UI —
never the reviewer — batches the approved application (D-30). HR keys never pay.
"""

from django.db.models import F
from ninja import Path, Router
from ninja.pagination import paginate

from certification.access.subsidies import access_application_for_review
from certification.api.common import ERRORS, MAX_ID, Pagination, require
from certification.api.principal import STAFF_ROLE, key_actor, key_scope
from certification.api.schemas import SubsidyApplicationOut, SubsidyDecisionIn
from certification.models import ApiKey
from certification.models.subsidies import ApplicationStatus, SubsidyApplication
from certification.services import subsidies as svc

router = Router(tags=["补贴申请"])


@router.get("/subsidy-applications", response={200: list[SubsidyApplicationOut], **ERRORS})
@paginate(Pagination)
def subsidy_application_list(request, status: ApplicationStatus | None = None):
    """Applications received in the key's region subtree (HR and regulator keys), drafts left
    out; newest submission first, filterable by status."""
    key = require(request, ApiKey.Role.HR, ApiKey.Role.REGULATOR)
    scope = key_scope(key)
    qs = (
        SubsidyApplication.objects.filter(scope.region_q("region__path", STAFF_ROLE[key.role]))
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("person", "certificate", "institution")
    )
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by(F("submitted_at").desc(nulls_last=True), "-id")


@router.post(
    "/subsidy-applications/{application_id}/decision",
    response={200: SubsidyApplicationOut, **ERRORS},
)
def subsidy_application_decide(
    request, payload: SubsidyDecisionIn, application_id: int = Path(..., ge=1, le=MAX_ID)
):
    """HR keys only. `approve_notice` passes the review and starts the public notice;
    `reject` refuses (reason required); `approve` approves after the notice ended with no open
    objection. A decision the application's state does not allow is a 409."""
    key = require(request, ApiKey.Role.HR)
    actor = key_actor(key)
    app = access_application_for_review(actor, application_id, request=request)
    if payload.decision == "approve":
        app = svc.application_approve(actor=actor, application=app)
    else:
        app = svc.application_review(
            actor=actor,
            application=app,
            approve=payload.decision == "approve_notice",
            reason=payload.reason,
        )
    app = SubsidyApplication.objects.select_related("person", "certificate", "institution").get(
        pk=app.pk
    )
    return app
