"""Employments (D-5): an institution's system registers hires and reads its roster."""

from ninja import Path, Router, Status
from ninja.pagination import paginate

from certification.access.employments import (
    access_employment_for_change,
    access_institution_for_hiring,
)
from certification.api import throttles
from certification.api.common import ERRORS, MAX_ID, Pagination, require
from certification.api.principal import key_actor
from certification.api.schemas import (
    EmploymentCreatedOut,
    EmploymentCreateIn,
    EmploymentEndIn,
    EmploymentOut,
    EmploymentTermsIn,
    EmploymentTransferIn,
)
from certification.audit import client_ip
from certification.models import ApiKey, Employment
from certification.selectors.work_certificates import newcomer_requirement
from certification.services.ban_register import hiring_employ
from certification.services.employment_states import employment_end, employment_update_terms
from certification.services.people import employment_transfer

router = Router(tags=["任职"])


@router.post(
    "/employments",
    response={201: EmploymentCreatedOut, 200: EmploymentCreatedOut, **ERRORS},
    throttle=throttles.ban_checks(),
)
def employment_create_view(request, payload: EmploymentCreateIn):
    """Hire at the key's institution (institution keys only), exactly as the hiring page does
    (D-5, D-23): the person is named by ID number AND name; an unregistered person is
    registered, a registered one must carry that name (422 otherwise, as on the page); the
    hiring ban check runs and a hit is refused with code `person_banned`, without details.
    A repeat of an active hire answers 200 with the existing employment. `work_certificate`
    says what the region's 持证上岗 rule asks of the newcomer (D-37)."""
    key = require(request, ApiKey.Role.INSTITUTION)
    employment = hiring_employ(
        actor=key_actor(key),
        institution=key.organisation,
        id_type=payload.id_type,
        id_number=payload.id_number,
        name=payload.name,
        role=payload.role,
        start_date=payload.start_date,
        has_labour_contract=payload.has_labour_contract,
        ui_contribution_months=payload.ui_contribution_months,
        ip=client_ip(request),
    )
    requirement = newcomer_requirement(
        person=employment.person,
        role=employment.role,
        region=key.organisation.region,
        start_date=employment.start_date,
    )
    employment.work_certificate = {
        "required": requirement.required,
        "status": requirement.status.status,
        "deadline": requirement.status.deadline,
        "message": requirement.message,
    }
    return Status(200 if getattr(employment, "replayed", False) else 201, employment)


@router.get("/employments", response={200: list[EmploymentOut], **ERRORS})
@paginate(Pagination)
def employment_list(request, active: bool | None = None):
    """The key's institution's employments, newest hire first (institution keys only);
    `active=true` keeps those not ended."""
    key = require(request, ApiKey.Role.INSTITUTION)
    qs = Employment.objects.filter(institution=key.organisation).select_related("person")
    if active is not None:
        qs = qs.filter(end_date__isnull=active)
    return qs.order_by("-start_date", "-id")


@router.post("/employments/{employment_id}/end", response={200: EmploymentOut, **ERRORS})
def employment_end_api(
    request, payload: EmploymentEndIn, employment_id: int = Path(..., ge=1, le=MAX_ID)
):
    """End an active employment of the key's institution (离职, D-5; a ban-flagged one too,
    D-25). Another institution's or an ended employment answers 404."""
    key = require(request, ApiKey.Role.INSTITUTION)
    employment = access_employment_for_change(key_actor(key), employment_id, request=request)
    return employment_end(actor=key_actor(key), employment=employment, end_date=payload.end_date)


@router.post("/employments/{employment_id}/terms", response={200: EmploymentOut, **ERRORS})
def employment_terms_api(
    request, payload: EmploymentTermsIn, employment_id: int = Path(..., ge=1, le=MAX_ID)
):
    """Correct an active employment's unemployment-insurance months and labour contract (the
    facts subsidy eligibility reads, D-27), as on the employment page. Another institution's
    or an ended employment answers 404."""
    key = require(request, ApiKey.Role.INSTITUTION)
    actor = key_actor(key)
    employment = access_employment_for_change(
        actor, employment_id, action="employment.terms", request=request
    )
    return employment_update_terms(
        actor=actor, employment=employment, ip=client_ip(request), **payload.dict()
    )


@router.post(
    "/employments/{employment_id}/transfer",
    response={201: EmploymentOut, **ERRORS},
    throttle=throttles.ban_checks(),
)
def employment_transfer_api(
    request, payload: EmploymentTransferIn, employment_id: int = Path(..., ge=1, le=MAX_ID)
):
    """Move the person to another role, or to another institution the key may hire for (调动):
    the old employment ends the day before `start_date`, the new one starts that day with the
    same contract and insurance months. The hiring ban check runs first (`person_banned`).
    An institution the key does not hold answers 404, like an employment it does not hold."""
    key = require(request, ApiKey.Role.INSTITUTION)
    actor = key_actor(key)
    employment = access_employment_for_change(
        actor, employment_id, action="employment.transfer", request=request
    )
    target = access_institution_for_hiring(
        actor, payload.institution_id or employment.institution_id, request=request
    )
    moved = employment_transfer(
        actor=actor,
        employment=employment,
        institution=target,
        role=payload.role,
        start_date=payload.start_date,
        ip=client_ip(request),
    )
    return Status(201, moved)
