"""持证上岗 list (D-37): who is inside or past the grace period. Thin: access → selector."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from certification.access.work_certificates import (
    lists_across_institutions,
    work_certificate_employments,
    work_certificate_institutions,
)
from certification.forms_work_certificates import WorkCertificateFilterForm
from certification.rules.certificates import mask_name
from certification.rules.work_certificates import HOLDS, PAST_GRACE, STATUS_LABELS
from certification.selectors.work_certificates import work_certificate_list

PAGE_ROWS = 300
# Beyond this many institutions the filter is a link from the dashboards, not a drop-down.
MAX_INSTITUTION_CHOICES = 200
BADGES = {HOLDS: "valid", PAST_GRACE: "lapsed"}


@never_cache
@login_required
def work_certificate_list_view(request):
    employments, institution = work_certificate_employments(
        request.user, institution_id=request.GET.get("org", ""), request=request
    )
    institutions = list(
        work_certificate_institutions(request.user).order_by("name")[: MAX_INSTITUTION_CHOICES + 1]
    )
    if len(institutions) > MAX_INSTITUTION_CHOICES:
        institutions = []
    form = WorkCertificateFilterForm(request.GET or None, institutions=institutions)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    rows = work_certificate_list(
        employments, role=filters.get("role", ""), status=filters.get("status", ""), on_date=today
    )
    total = rows.count()
    page = list(rows[:PAGE_ROWS])
    for row in page:
        row.masked_name = mask_name(row.person.name)
        row.status_label = STATUS_LABELS[row.wc_status]
        row.badge = BADGES.get(row.wc_status, "behind")
        row.past_since = (
            row.wc_deadline + dt.timedelta(days=1) if row.wc_status == PAST_GRACE else None
        )
    return render(
        request,
        "certification/work_certificates/list.html",
        {
            "filters": {"form": form},
            "rows": page,
            "total": total,
            "institution": institution,
            "show_institution": institution is None
            and (len(institutions) != 1 or lists_across_institutions(request.user)),
            "today": today,
        },
    )
