"""Staff pages for person records: a scoped list and a detail page (masked ID)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from certification.access import require_role
from certification.access.people import access_person, can_reveal_id, people_visible_to
from certification.models import StaffRole

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
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(name__contains=query)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "certification/people/list.html", {"page": page, "q": query})


@never_cache
@login_required
def person_detail(request, person_id: int):
    person = access_person(request.user, person_id, request=request)
    employments = person.employments.select_related("institution__region").order_by("-start_date")
    return render(
        request,
        "certification/people/detail.html",
        {
            "person": person,
            "employments": employments,
            "can_reveal": can_reveal_id(request.user, person),
        },
    )
