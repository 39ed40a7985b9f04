"""Employments (D-5): an institution's system registers hires and reads its roster."""

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Router, Status
from ninja.pagination import paginate

from certification.api.common import ERRORS, Pagination, require
from certification.api.principal import key_actor
from certification.api.schemas import EmploymentCreateIn, EmploymentOut
from certification.idnumbers import IdNumberError
from certification.models import ApiKey, Employment
from certification.services.audit import client_ip
from certification.services.people import employment_create, person_find_by_id_number

router = Router(tags=["任职"])


@router.post("/employments", response={201: EmploymentOut, **ERRORS})
def employment_create_view(request, payload: EmploymentCreateIn):
    """Hire a registered person at the key's institution (institution keys only). The person
    is named by ID number; the hiring ban check (入职查询, D-23) runs in the service and a hit
    is refused with code `person_banned`, without details."""
    key = require(request, ApiKey.Role.INSTITUTION)
    try:
        person = person_find_by_id_number(id_type=payload.id_type, id_number=payload.id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    if person is None:
        raise Http404
    employment = employment_create(
        actor=key_actor(key),
        person=person,
        institution=key.organisation,
        role=payload.role,
        start_date=payload.start_date,
        has_labour_contract=payload.has_labour_contract,
        ui_contribution_months=payload.ui_contribution_months,
        ip=client_ip(request),
    )
    return Status(201, employment)


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
