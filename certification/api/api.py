"""The data-exchange API (D-32), django-ninja, mounted at /api/v1/.

Views stay thin: schema → key scope check → one service/selector → response. The services write
the audit rows (ban_check writes its BanCheck row; this module audits reads of certificates)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Router
from ninja.pagination import PageNumberPagination, paginate

from certification.api import errors
from certification.api.auth import ApiKeyAuth, staff_docs
from certification.api.schemas import (
    BanCheckIn,
    BanCheckOut,
    CertificateVerifyOut,
    ErrorOut,
    PersonLookupIn,
    PersonOut,
)
from certification.idnumbers import IdNumberError
from certification.models import ApiKey, Certificate, CheckPurpose, Employment
from certification.services.audit import audit_record, client_ip
from certification.services.bans import ban_check_id_number
from certification.services.people import person_find_by_id_number

api = NinjaAPI(
    title="CareCert 数据交换接口",
    version="1",
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    docs_decorator=staff_docs,
)
errors.install(api)

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _key(request) -> ApiKey:
    return request.auth


def _require(request, *roles: str) -> ApiKey:
    key = _key(request)
    if key.role not in roles:
        raise PermissionDenied
    return key


bans = Router(tags=["禁入核查"])


@bans.post("/ban-checks", response={200: BanCheckOut, **ERRORS})
def ban_check_create(request, payload: BanCheckIn):
    """D-23/D-32: institution and regulator keys only; answers clear/blocked, no details."""
    key = _require(request, ApiKey.Role.INSTITUTION, ApiKey.Role.REGULATOR)
    outcome = ban_check_id_number(id_type=payload.id_type, id_number=payload.id_number,
                                  name=payload.name, purpose=CheckPurpose.API,
                                  actor=None, actor_role=f"api:{key.role}:{key.prefix}",
                                  organisation=key.organisation, ip=client_ip(request))
    return {"result": "blocked" if outcome.is_hit else "clear"}


certificates = Router(tags=["证书"])


def _certificates_in_scope(key: ApiKey):
    qs = Certificate.objects.select_related("person")
    if key.role == ApiKey.Role.TRAINING_BASE:
        return qs.filter(issuer=key.organisation)
    if key.role == ApiKey.Role.INSTITUTION:
        return qs.filter(person__employments__institution=key.organisation).distinct()
    return qs.filter(person__region__path__startswith=key.scope_path)


@certificates.get("/certificates/verify/{code}", response={200: CertificateVerifyOut, **ERRORS})
def certificate_verify(request, code: str):
    """D-20: verify a certificate by its verification code (any valid key)."""
    c = Certificate.objects.select_related("person").filter(verification_code=code).first()
    if c is None:
        raise Http404
    return c


@certificates.get("/certificates", response=list[CertificateVerifyOut])
@paginate(PageNumberPagination, page_size=50)
def certificate_list(request):
    """Certificates within the key's scope (issuer base, employing institution or region)."""
    return _certificates_in_scope(_key(request)).order_by("-issue_date", "id")


persons = Router(tags=["人员"])


def _person_in_scope(key: ApiKey, person) -> bool:
    """Institutions see their own staff; bases, HR and regulators their region subtree."""
    if key.role == ApiKey.Role.INSTITUTION:
        return Employment.objects.filter(person=person, institution=key.organisation).exists()
    return person.region.path.startswith(key.scope_path)


@persons.post("/persons/lookup", response={200: PersonOut, **ERRORS})
def person_lookup(request, payload: PersonLookupIn):
    """Look a person up by ID number (in the body, never the URL); answered masked. A person
    outside the key's scope is answered 404 like an unknown one."""
    key = _key(request)
    try:
        person = person_find_by_id_number(id_type=payload.id_type, id_number=payload.id_number)
    except IdNumberError as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    if person is None or not _person_in_scope(key, person):
        raise Http404
    audit_record(actor=None, action="api.person_lookup", obj=person,
                 data={"api_key": key.prefix}, ip=client_ip(request),
                 region_path=person.region.path)
    return person


api.add_router("/", persons)
api.add_router("/", bans)
api.add_router("/", certificates)
