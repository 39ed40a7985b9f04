"""Reads of staff memberships for the account managers' list."""

from django.db.models import QuerySet

from certification.models import StaffMembership


def staff_memberships() -> QuerySet[StaffMembership]:
    """Every staff role held, with its account and scope (certification.filters.StaffFilter
    narrows it by role and by the account's e-mail or display name)."""
    return StaffMembership.objects.select_related("user", "organisation", "region").order_by(
        "user__email", "role", "pk"
    )
