"""Reads of staff memberships for the account managers' list."""

from django.db.models import QuerySet

from certification.models import StaffMembership


def staff_memberships(*, role: str = "", query: str = "") -> QuerySet[StaffMembership]:
    """Every staff role held, with its account and scope, filterable by role and by the
    account's e-mail or display name."""
    rows = StaffMembership.objects.select_related("user", "organisation", "region").order_by(
        "user__email", "role", "pk"
    )
    if role:
        rows = rows.filter(role=role)
    if query:
        rows = rows.filter(user__email__icontains=query) | rows.filter(
            user__display_name__icontains=query
        )
    return rows
