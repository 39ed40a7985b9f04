"""Who may edit requirement rules (D-6, D-15; DOMAIN preamble "regional administrators change
the [practice]/[default] numbers").

Regulators only, and only rules of their own region or a region below it. National rows
(region NULL) and rows of an ancestor region are shown to them read-only: a regulator's scope
is always a region (StaffMembership requires one), so no regulator is national; national rows
are kept by system administrators (Django admin) or a seed migration.
"""

from django.shortcuts import get_object_or_404

from certification.access import StaffScope, deny, require_role
from certification.models import Region, RequirementRule, StaffRole


def require_rule_editor(user, *, request=None, action: str = "rule.list") -> StaffScope:
    """The regulator's scope; anyone else gets an audited denial (403)."""
    return require_role(user, StaffRole.REGULATOR, request=request, action=action)


def rule_regions(scope: StaffScope):
    """The regions a regulator may write new rules for: the current codes of their subtrees."""
    return Region.objects.filter(
        scope.region_q("path", StaffRole.REGULATOR), is_active=True
    ).order_by("path")


def can_edit_rule(scope: StaffScope, rule: RequirementRule) -> bool:
    return rule.region_id is not None and scope.covers_path(rule.region.path, StaffRole.REGULATOR)


def access_rule_for_edit(user, rule_id: int, *, request=None) -> RequirementRule:
    """One rule the regulator may supersede or end; 404 if missing, audited 403 otherwise
    (national rows, other regions' rows, non-regulators)."""
    scope = require_rule_editor(user, request=request, action="rule.edit")
    rule = get_object_or_404(RequirementRule.objects.select_related("region"), pk=rule_id)
    if not can_edit_rule(scope, rule):
        deny(user, action="rule.edit", obj=rule, request=request)
    return rule
