"""Who may change an employment (D-5, D-25)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from certification.access import deny, staff_scope
from certification.models import Employment, Organisation, StaffRole


def access_employment_for_change(
    user, employment_id: int, *, action: str = "employment.end", request=None
) -> Employment:
    """An active employment the user's institution holds (institution admins only). Anyone else
    gets 404 and an audited refusal; the answer does not confirm the employment exists."""
    employment = (
        Employment.objects.select_related("person", "institution__region")
        .filter(pk=employment_id, end_date__isnull=True)
        .first()
    )
    allowed = staff_scope(user).org_ids(StaffRole.INSTITUTION_ADMIN)
    if employment is None or employment.institution_id not in allowed:
        try:
            deny(user, action=action, obj=employment, request=request)
        except PermissionDenied:
            raise Http404 from None
    return employment


def access_institution_for_hiring(user, institution_id: int, *, request=None) -> Organisation:
    """An active childcare institution the user administers (its roster, its hires). Anyone
    else gets 404 and an audited refusal."""
    institution = (
        Organisation.objects.select_related("region")
        .filter(
            pk=institution_id,
            kind=Organisation.Kind.INSTITUTION,
            status=Organisation.Status.ACTIVE,
        )
        .first()
    )
    allowed = staff_scope(user).org_ids(StaffRole.INSTITUTION_ADMIN)
    if institution is None or institution.pk not in allowed:
        try:
            deny(user, action="employment.roster_import", obj=institution, request=request)
        except PermissionDenied:
            raise Http404 from None
    return institution


def institutions_for_hiring(user):
    """The active institutions the user administers: where they may hire or move a person."""
    return Organisation.objects.filter(
        pk__in=staff_scope(user).org_ids(StaffRole.INSTITUTION_ADMIN),
        kind=Organisation.Kind.INSTITUTION,
        status=Organisation.Status.ACTIVE,
    ).order_by("name")
