"""Staff pages for person records: a scoped list and a detail page (masked ID)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from certification.access import require_role
from certification.access.certificates import can_revoke_certificate
from certification.access.health import may_see_health
from certification.access.people import (
    access_person,
    can_reveal_id,
    may_see_ban_checks,
    people_visible_to,
    person_applications_visible_to,
)
from certification.filters import PersonFilter
from certification.models import StaffRole
from certification.selectors.bans import ban_checks_of, bans_naming
from certification.selectors.certificates import certificates_of_person
from certification.selectors.compliance import person_compliance
from certification.selectors.health import person_health

STAFF_ROLES = (
    StaffRole.REGULATOR,
    StaffRole.HR_REVIEWER,
    StaffRole.HR_PAYMENT,
    StaffRole.INSTITUTION_ADMIN,
    StaffRole.BASE_STAFF,
    StaffRole.SYSADMIN,
)


@never_cache
@login_required
def person_list(request):
    require_role(request.user, *STAFF_ROLES, request=request, action="person.list")
    people = people_visible_to(request.user).select_related("region").order_by("name", "pk")
    filters = PersonFilter(request.GET, queryset=people)
    page = Paginator(filters.qs, 50).get_page(request.GET.get("page"))
    return render(request, "certification/people/list.html", {"page": page, "filters": filters})


@never_cache
@login_required
def person_detail(request, person_id: int):
    """D-34: one person's record as staff see it: identity (masked), cycle standing per role,
    certificates and employments for everyone related to the person; ban checks and the
    register's standing for regulators; subsidy applications for HR and regulators."""
    person = access_person(request.user, person_id, request=request)
    employments = person.employments.select_related("institution__region").order_by("-start_date")
    show_bans = may_see_ban_checks(request.user, person)
    # D-36: health standing for the employer's administrators and regulators only.
    show_health = may_see_health(request.user, person)
    applications = person_applications_visible_to(request.user, person).select_related(
        "region", "certificate"
    )
    certificates = certificates_of_person(person)
    # Regulators of the holder's region revoke from here, for fraud too (D-21, D-38).
    revocable = {
        c.pk for c in certificates if c.is_valid and can_revoke_certificate(request.user, c)
    }
    return render(
        request,
        "certification/people/detail.html",
        {
            "person": person,
            "employments": employments,
            "can_reveal": can_reveal_id(request.user, person),
            "compliance": person_compliance(person),
            "certificates": certificates,
            "revocable": revocable,
            "health": person_health(person) if show_health else None,
            "show_bans": show_bans,
            "bans": bans_naming(person) if show_bans else [],
            "ban_checks": ban_checks_of(person) if show_bans else [],
            "applications": applications.order_by("-created_at", "-pk"),
        },
    )
