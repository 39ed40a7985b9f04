"""Who may edit the policy tables (DOMAIN preamble "regional administrators change the
[practice]/[default] numbers"; the tables are in certification.rules.policy_tables).

Each table has one editor role — regulators (卫健) keep the learning tables, HR reviewers (人社)
the subsidy tables — and an editor writes only rows of their own region subtree. National rows
(region NULL) and rows of an ancestor region are shown read-only: the editor roles are region
roles, so no editor is national; national rows are seeded by migrations.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from certification.access import StaffScope, deny, require_role, staff_scope
from certification.models import Region
from certification.rules.policy_tables import TABLES, PolicyTable


def policy_tables_for(user) -> list[PolicyTable]:
    """The tables `user` keeps (the policy index page and the navigation show these)."""
    scope = staff_scope(user)
    return [table for table in TABLES.values() if scope.has(table.editor_role)]


def access_policy_table(user, slug: str, *, request=None, verb: str = "list"):
    """The table named by `slug` and the editor's scope; 404 for an unknown table, an audited
    403 for anyone without the table's editor role."""
    table = TABLES.get(slug)
    if table is None:
        raise Http404(slug)
    scope = require_role(
        user, table.editor_role, request=request, action=f"{table.audit_prefix}.{verb}"
    )
    return table, scope


def policy_regions(scope: StaffScope, table: PolicyTable):
    """The regions an editor may write new rows for: the current codes of their subtrees."""
    return Region.objects.filter(
        scope.region_q("path", table.editor_role), is_active=True
    ).order_by("path")


def can_edit_row(scope: StaffScope, table: PolicyTable, row) -> bool:
    return row.region_id is not None and scope.covers_path(row.region.path, table.editor_role)


def can_edit_policy_row(user, table: PolicyTable, row) -> bool:
    return can_edit_row(staff_scope(user), table, row)


def require_region_in_policy_scope(user, table: PolicyTable, region, *, action: str) -> None:
    scope = staff_scope(user)
    if region is None or not scope.covers_path(region.path, table.editor_role):
        deny(user, action=action)


def access_policy_row_for_edit(user, table: PolicyTable, row_id: int, *, request=None):
    """One row the editor may supersede or end; 404 if missing, audited 403 otherwise
    (national rows, other regions' rows, other roles)."""
    scope = require_role(
        user, table.editor_role, request=request, action=f"{table.audit_prefix}.edit"
    )
    row = get_object_or_404(table.model.objects.select_related("region"), pk=row_id)
    if not can_edit_row(scope, table, row):
        deny(user, action=f"{table.audit_prefix}.edit", obj=row, request=request)
    return row
