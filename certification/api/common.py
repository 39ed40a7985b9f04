"""Shared pieces of the API handlers: the key of the request, role checks, scope filters of
persons, and the paginator used by every list."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from certification.access.people import people_visible_to
from certification.api.principal import key_actor
from certification.api.schemas import ErrorOut
from certification.models import ApiKey, Person

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
# PostgreSQL integer primary keys: larger ids are answered 422, not a database error.
MAX_ID = 2**31 - 1


def api_key(request) -> ApiKey:
    return request.auth


def require(request, *roles: str) -> ApiKey:
    """The request's key if its role is one of `roles`; 403 otherwise."""
    key = api_key(request)
    if key.role not in roles:
        raise PermissionDenied
    return key


class Pagination(PageNumberPagination):
    """ninja's page-number pagination with bounded inputs: `page` (≥ 1) and `page_size`
    (1…100, default 50). Lists are ordered on a unique key so pages never overlap."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int | None = Field(None, ge=1, le=100)

    def __init__(self, **kwargs):
        kwargs.setdefault("page_size", 50)
        kwargs.setdefault("max_page_size", 100)
        super().__init__(**kwargs)


def person_in_scope(key: ApiKey, person: Person) -> bool:
    """D-34 for a key: exactly what a staff member of the key's organisation or region may see
    on the pages (one access function, certification.access.people)."""
    return people_visible_to(key_actor(key)).filter(pk=person.pk).exists()


def person_for_key(key: ApiKey, person_id: int) -> Person:
    """The person if the key's scope covers them; 404 (like an unknown id) otherwise."""
    # One query: the scope filter and the read together (an unknown id and one out of scope
    # are the same 404).
    person = people_visible_to(key_actor(key)).select_related("region").filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person
