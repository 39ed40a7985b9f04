"""Who may see which person records."""

import contextlib

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from certification.models import Person, StaffRole, SubsidyApplication

from . import deny, staff_scope

HR_ROLES = (StaffRole.HR_REVIEWER, StaffRole.HR_PAYMENT)


def people_visible_to(user) -> QuerySet[Person]:
    """D-34: who may see a person follows a relationship, never an ID number alone. Pages
    and the API (whose keys act as a user with the key's scope) share this one function.

    Regulators: people employed in (or living in) their region subtree.
    HR: people with a subsidy application in their region subtree.
    Institution admins: people who work or worked at their institution.
    Training-base staff: people with hours, assessment results or certificates from their base.
    Everyone: their own record."""
    scope = staff_scope(user)
    q = Q(pk__in=[])
    if getattr(user, "is_authenticated", False):
        q |= Q(user=user)
    if scope.has(StaffRole.SYSADMIN):
        return Person.objects.all()
    if scope.has(StaffRole.REGULATOR):
        q |= scope.region_q("region__path", StaffRole.REGULATOR)
        q |= scope.region_q("employments__institution__region__path", StaffRole.REGULATOR)
    if scope.has(*HR_ROLES):
        q |= scope.region_q("subsidy_applications__region__path", *HR_ROLES)
    if inst := scope.org_ids(StaffRole.INSTITUTION_ADMIN):
        q |= Q(employments__institution_id__in=inst)
    if bases := scope.org_ids(StaffRole.BASE_STAFF):
        q |= (
            # class_enrolments is lms's relation to Person (lms → certification): read through
            # the ORM's reverse accessor, so certification imports nothing of lms.
            Q(class_enrolments__session__training_base_id__in=bases)
            | Q(hour_entries__training_base_id__in=bases)
            | Q(certificates__issuer_id__in=bases)
            | Q(assessment_results__training_base_id__in=bases)
        )
    return Person.objects.filter(pk__in=Person.objects.filter(q).values("pk"))


def access_person(user, person_id: int, *, request=None) -> Person:
    """The person if the user may see them; 404 (and an audited denial) otherwise."""
    person = people_visible_to(user).filter(pk=person_id).select_related("region").first()
    if person is None:
        if Person.objects.filter(pk=person_id).exists():
            # Audit the refusal, but answer 404 either way: do not confirm the record exists.
            with contextlib.suppress(PermissionDenied):
                deny(user, action="person.view", request=request)
        raise Http404
    return person


def can_reveal_id(user, person: Person) -> bool:
    """Who may see a full ID number (always audited): the owner, regulators of the person's
    region, and HR reviewers (subsidy identity checks)."""
    if person.user_id and person.user_id == getattr(user, "pk", None):
        return True
    scope = staff_scope(user)
    roles = (StaffRole.REGULATOR, StaffRole.HR_REVIEWER)
    return people_visible_to(user).filter(pk=person.pk).exists() and scope.has(*roles)


def may_see_ban_checks(user, person: Person) -> bool:
    """D-22/D-34: a person's ban checks and register standing are the regulators' business:
    regulators who may see the person, and system administrators. Employers and bases learn
    a check's outcome at their own gate, never the history."""
    scope = staff_scope(user)
    if scope.has(StaffRole.SYSADMIN):
        return True
    return scope.has(StaffRole.REGULATOR) and people_visible_to(user).filter(pk=person.pk).exists()


def person_applications_visible_to(user, person: Person) -> QuerySet[SubsidyApplication]:
    """The person's subsidy applications a staff member may see on the person's page: HR and
    regulators those filed in their region subtrees, system administrators all; nobody else."""
    scope = staff_scope(user)
    rows = SubsidyApplication.objects.filter(person=person)
    if scope.has(StaffRole.SYSADMIN):
        return rows
    q = scope.region_q("region__path", *HR_ROLES, StaffRole.REGULATOR)
    return rows.filter(q)
