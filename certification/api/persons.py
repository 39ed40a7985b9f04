"""Persons (D-2, D-3) and a person's compliance per role (D-12, D-13, D-15)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Path, Router, Status

from certification.api import throttles
from certification.api.common import (
    ERRORS,
    MAX_ID,
    api_key,
    person_for_key,
    person_in_scope,
    require,
)
from certification.api.principal import key_actor
from certification.api.schemas import ComplianceOut, PersonCreateIn, PersonLookupIn, PersonOut
from certification.audit import audit_record, client_ip
from certification.idnumbers import IdNumberError
from certification.models import ApiKey, Region
from certification.selectors.compliance import person_compliance
from certification.services.people import person_find_by_id_number, person_register

router = Router(tags=["人员"])


def _region_for(key: ApiKey, code: str | None) -> Region:
    """The person's region: the one named, which must lie in the key's subtree, or the key's own
    region (an organisation key: the organisation's region)."""
    own = key.region if key.region_id else key.organisation.region
    if not code:
        return own
    region = Region.objects.filter(code=code).first()
    if region is None or not region.path.startswith(key.scope_path):
        raise ValidationError({"region_code": "该地区不存在或不在本接口密钥的地区范围内"})
    return region


@router.post("/persons", response={201: PersonOut, **ERRORS}, throttle=throttles.lookups())
def person_create_view(request, payload: PersonCreateIn):
    """Register a person (ID checked against GB 11643 for resident IDs); answered masked.
    Institution, training-base and regulator keys. A number registered before is answered as a
    registration when the name matches (no "exists elsewhere" answer) and 422 on `name` when it
    does not, as on the hiring page; either way the key reaches the person only through a
    relationship (an employment, an enrolment)."""
    key = require(
        request, ApiKey.Role.INSTITUTION, ApiKey.Role.TRAINING_BASE, ApiKey.Role.REGULATOR
    )
    region = _region_for(key, payload.region_code)
    person = person_register(
        actor=key_actor(key),
        id_type=payload.id_type,
        id_number=payload.id_number,
        name=payload.name,
        phone=payload.phone,
        region=region,
    )
    return Status(201, person)


@router.post("/persons/lookup", response={200: PersonOut, **ERRORS}, throttle=throttles.lookups())
def person_lookup(request, payload: PersonLookupIn):
    """Look a person up by ID number (in the body, never the URL); answered masked. A person
    outside the key's scope is answered 404 like an unknown one."""
    key = api_key(request)
    try:
        person = person_find_by_id_number(id_type=payload.id_type, id_number=payload.id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    if person is None or not person_in_scope(key, person):
        raise Http404
    audit_record(
        actor=key_actor(key),
        action="api.person_lookup",
        obj=person,
        data={"api_key": key.prefix},
        ip=client_ip(request),
        region_path=person.region.path if person.region_id else "",
    )
    return person


@router.get("/persons/{person_id}/compliance", response={200: ComplianceOut, **ERRORS})
def person_compliance_view(request, person_id: int = Path(..., ge=1, le=MAX_ID)):
    """Per role the person holds: the current cycle, hours earned against the requirement and
    the status, read from the maintained cycle summaries (not the raw ledger)."""
    key = api_key(request)
    person = person_for_key(key, person_id)
    audit_record(
        actor=key_actor(key),
        action="api.person_compliance_read",
        obj=person,
        data={"api_key": key.prefix},
        ip=client_ip(request),
        region_path=person.region.path if person.region_id else "",
    )
    today = timezone.localdate()
    return {"person": person, "on_date": today, "roles": person_compliance(person, on_date=today)}
