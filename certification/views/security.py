"""Security area views (issue 3): audited ID reveal, the owner's data download, audit viewer."""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from certification.access import deny, staff_scope
from certification.access.people import access_person, can_reveal_id
from certification.audit import client_ip
from certification.filters import AuditFilter
from certification.models import AuditEvent, StaffRole
from certification.services.people import person_reveal_id
from certification.services.security import my_data_export


@require_POST
@login_required
@reauthentication_required
def person_reveal(request, person_id: int):
    """D-3: the full ID number, after recent re-authentication; every reveal is audited."""
    person = access_person(request.user, person_id, request=request)
    if not can_reveal_id(request.user, person):
        deny(request.user, action="person.reveal_id", request=request)
    purpose = (request.POST.get("purpose") or "").strip()[:200] or "工作需要"
    id_number = person_reveal_id(
        actor=request.user, person=person, purpose=purpose, ip=client_ip(request)
    )
    return render(
        request, "certification/security/reveal.html", {"person": person, "id_number": id_number}
    )


@login_required
def my_data(request):
    """PIPL: the owner downloads everything held about them as JSON (audited)."""
    payload = my_data_export(user=request.user, ip=client_ip(request))
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="carecert-my-data.json"'
    return response


@login_required
def audit_log(request):
    """Sysadmins see the whole log; regulators and audit readers the rows of their region
    subtree (an audit reader sees this page and nothing else)."""
    scope = staff_scope(request.user)
    if scope.has(StaffRole.SYSADMIN) or request.user.is_superuser:
        events = AuditEvent.objects.all()
    elif scope.has(StaffRole.REGULATOR, StaffRole.AUDIT_READER):
        events = AuditEvent.objects.filter(
            scope.region_q("region_path", StaffRole.REGULATOR, StaffRole.AUDIT_READER)
            & ~Q(region_path="")
        )
    else:
        deny(request.user, action="audit.view", request=request)
    filters = AuditFilter(request.GET, queryset=events.order_by("-id"))
    page = Paginator(filters.qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "certification/security/audit_log.html", {"page": page, "filters": filters}
    )
