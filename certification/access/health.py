"""Who may see and record yearly health care (D-36): the employing institution's administrators
record and read; regulators of the institution's region read only; nobody else learns anything
(audited 404). Which people follows people_visible_to (D-34) and current employment."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from certification.access import deny, staff_scope
from certification.access.people import people_visible_to
from certification.models import Employment, Organisation, Person, StaffRole


@dataclass(frozen=True)
class HealthAccess:
    institution: Organisation
    can_record: bool  # institution admins; regulators read only


def _refuse(user, *, action: str, obj, request):
    try:
        deny(user, action=action, obj=obj, request=request)
    except PermissionDenied:
        raise Http404 from None


def access_institution_health(
    user, institution_id: int, *, record: bool = False, request=None
) -> HealthAccess:
    """The institution's health pages. With `record`, only its administrators pass (a regulator
    gets an audited 403); anyone else gets an audited 404 that does not confirm the institution."""
    institution = (
        Organisation.objects.select_related("region")
        .filter(pk=institution_id, kind=Organisation.Kind.INSTITUTION)
        .first()
    )
    scope = staff_scope(user)
    action = "health.record" if record else "health.view"
    if institution is None:
        _refuse(user, action=action, obj=None, request=request)
    if institution.pk in scope.org_ids(StaffRole.INSTITUTION_ADMIN):
        return HealthAccess(institution=institution, can_record=True)
    if scope.covers_path(institution.region.path, StaffRole.REGULATOR):
        if record:
            deny(user, action=action, obj=institution, request=request)
        return HealthAccess(institution=institution, can_record=False)
    _refuse(user, action=action, obj=institution, request=request)


def access_employed_person(user, institution: Organisation, person_id: int, *, request=None):
    """A person the institution employs now and the user may see; else an audited 404."""
    person = (
        people_visible_to(user)
        .filter(
            pk=person_id,
            pk__in=Employment.objects.filter(institution=institution, end_date__isnull=True).values(
                "person_id"
            ),
        )
        .first()
    )
    if person is None:
        _refuse(
            user,
            action="health.record",
            obj=Person.objects.filter(pk=person_id).first(),
            request=request,
        )
    return person


def may_see_health(user, person: Person) -> bool:
    """A person's health records on their page: administrators of an institution employing them
    now, regulators who may see them, system administrators."""
    scope = staff_scope(user)
    if scope.has(StaffRole.SYSADMIN):
        return True
    employers = set(
        Employment.objects.filter(person=person, end_date__isnull=True).values_list(
            "institution_id", flat=True
        )
    )
    if employers & scope.org_ids(StaffRole.INSTITUTION_ADMIN):
        return True
    return scope.has(StaffRole.REGULATOR) and people_visible_to(user).filter(pk=person.pk).exists()
