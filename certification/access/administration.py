"""Who administers what (issue 15): system administrators everything; a region administrator
the organisations, accreditations and staff grants of their region subtree. Whoever asked for a
grant cannot approve it. Objects outside the administrator's scope are 404 (not revealed)."""

from django.db.models import QuerySet
from django.http import Http404

from certification.access import StaffScope, deny, require_role, staff_scope
from certification.models import (
    ORGANISATION_ROLES,
    REGION_ROLES,
    Organisation,
    Region,
    RoleGrant,
    StaffRole,
)

ADMIN_ROLES = (StaffRole.SYSADMIN, StaffRole.REGION_ADMIN)


def require_administrator(user, *, request=None, action: str) -> StaffScope:
    """A system or region administrator's scope; anyone else gets an audited 403."""
    return require_role(user, *ADMIN_ROLES, request=request, action=action)


def _is_sysadmin(scope: StaffScope, user) -> bool:
    return scope.has(StaffRole.SYSADMIN) or getattr(user, "is_superuser", False)


def administers_path(user, path: str) -> bool:
    scope = staff_scope(user)
    return _is_sysadmin(scope, user) or scope.covers_path(path, StaffRole.REGION_ADMIN)


def regions_administered(user) -> QuerySet[Region]:
    scope = staff_scope(user)
    regions = Region.objects.order_by("path")
    if _is_sysadmin(scope, user):
        return regions
    return regions.filter(scope.region_q("path", StaffRole.REGION_ADMIN))


def organisations_administered(user) -> QuerySet[Organisation]:
    scope = staff_scope(user)
    orgs = Organisation.objects.select_related("region")
    if _is_sysadmin(scope, user):
        return orgs
    return orgs.filter(scope.region_q("region__path", StaffRole.REGION_ADMIN))


def grants_administered(user) -> QuerySet[RoleGrant]:
    scope = staff_scope(user)
    grants = RoleGrant.objects.select_related(
        "organisation__region", "region", "requested_by", "approved_by"
    )
    if _is_sysadmin(scope, user):
        return grants
    return grants.filter(
        scope.region_q("region__path", StaffRole.REGION_ADMIN)
        | scope.region_q("organisation__region__path", StaffRole.REGION_ADMIN)
    )


def access_organisation_for_admin(user, organisation_id: int, *, request=None, action: str):
    require_administrator(user, request=request, action=action)
    org = organisations_administered(user).filter(pk=organisation_id).first()
    if org is None:
        raise Http404
    return org


def can_grant(user, *, role: str, organisation=None, region=None) -> bool:
    """A role may be granted for a scope the administrator administers; system roles (sysadmin,
    editor) are not granted here (Django admin, by a superuser)."""
    if role in ORGANISATION_ROLES and organisation is not None and region is None:
        expected_kind = (
            Organisation.Kind.TRAINING_BASE
            if role == StaffRole.BASE_STAFF
            else Organisation.Kind.INSTITUTION
        )
        return organisation.kind == expected_kind and administers_path(
            user, organisation.region.path
        )
    if role in REGION_ROLES and region is not None and organisation is None:
        return administers_path(user, region.path)
    return False


def require_can_grant(user, *, role, organisation=None, region=None, request=None) -> None:
    if not can_grant(user, role=role, organisation=organisation, region=region):
        deny(user, action="grant.request", obj=organisation or region, request=request)


def access_grant(user, grant_id: int, *, request=None, action: str) -> RoleGrant:
    require_administrator(user, request=request, action=action)
    grant = grants_administered(user).filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    return grant


def access_grant_for_approval(user, grant_id: int, *, request=None) -> RoleGrant:
    """Separation of duties: the administrator who asked for a grant never approves it."""
    grant = access_grant(user, grant_id, request=request, action="grant.approve")
    if grant.requested_by_id == user.pk:
        deny(user, action="grant.approve_own", obj=grant, request=request)
    return grant


def can_edit_calendar(user) -> bool:
    """The working-day calendar is national (State Council): system administrators only."""
    return _is_sysadmin(staff_scope(user), user)
