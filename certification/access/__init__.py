"""Data scope: who may see what (D-1, security baseline "every role sees only its own region or
organisation"). Views and the API use these helpers; none checks permissions by hand.

Per-object access functions live beside this module, one module per concept
(access/people.py, access/certificates.py, …) and all build on `staff_scope`.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from certification.audit import audit_refusal, client_ip
from certification.models import StaffMembership, StaffRole


@dataclass(frozen=True)
class StaffScope:
    """The roles a user holds and, per role, the region paths or organisation ids it covers."""

    region_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    organisation_ids: dict[str, frozenset[int]] = field(default_factory=dict)
    global_roles: frozenset[str] = frozenset()

    @property
    def roles(self) -> set[str]:
        return set(self.region_paths) | set(self.organisation_ids) | set(self.global_roles)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def paths(self, *roles: str) -> tuple[str, ...]:
        return tuple(p for r in roles for p in self.region_paths.get(r, ()))

    def org_ids(self, *roles: str) -> set[int]:
        return {o for r in roles for o in self.organisation_ids.get(r, ())}

    def region_q(self, lookup: str, *roles: str) -> Q:
        """A Q matching rows whose region path (at `lookup`) lies in the user's subtrees for
        `roles`. Matches nothing when the user has no such scope."""
        q = Q(pk__in=[])
        for path in self.paths(*roles):
            q |= Q(**{f"{lookup}__startswith": path})
        return q

    def covers_path(self, path: str, *roles: str) -> bool:
        return any(path.startswith(p) for p in self.paths(*roles))


def staff_scope(user) -> StaffScope:
    """The user's active staff memberships, read once per request (cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return StaffScope()
    cached = getattr(user, "_carecert_scope", None)
    if cached is not None:
        return cached
    region_paths: dict[str, list[str]] = {}
    org_ids: dict[str, set[int]] = {}
    global_roles: set[str] = set()
    memberships = StaffMembership.objects.filter(user=user, is_active=True).select_related("region")
    for m in memberships:
        if m.region_id:
            region_paths.setdefault(m.role, []).append(m.region.path)
        elif m.organisation_id:
            org_ids.setdefault(m.role, set()).add(m.organisation_id)
        else:
            global_roles.add(m.role)
    if user.is_superuser:
        global_roles.add(StaffRole.SYSADMIN)
    scope = StaffScope(
        region_paths={k: tuple(v) for k, v in region_paths.items()},
        organisation_ids={k: frozenset(v) for k, v in org_ids.items()},
        global_roles=frozenset(global_roles),
    )
    user._carecert_scope = scope
    return scope


def is_staff_member(user) -> bool:
    return bool(staff_scope(user).roles)


def deny(user, *, action: str, obj=None, request=None, message=None):
    """Record a refused access in the audit trail, then raise PermissionDenied. The row
    survives a rollback of the refused action (certification.audit.AuditedRefusal)."""
    raise audit_refusal(
        actor=user,
        attempted=action,
        message=message or _("您没有权限执行此操作。"),
        obj=obj,
        ip=client_ip(request),
    )


def require_role(user, *roles: str, request=None, action: str = "") -> StaffScope:
    """Return the user's scope if they hold one of `roles`; otherwise audit and deny."""
    scope = staff_scope(user)
    if not scope.has(*roles):
        deny(user, action=action or f"role:{'|'.join(roles)}", request=request)
    return scope
