"""The training-base dashboard: classes with attendance rates, certificates issued, and the
people waiting for a certificate. Base staff of the base only; certification data is read
through certification's public selectors (lms → certification, never back)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from certification.access import deny, require_role
from certification.audit import audit_record, client_ip
from certification.models import Organisation, StaffRole
from certification.selectors.dashboards import base_certificates_by_month, base_pending_issuance
from certification.selectors.supervision import base_suspensions
from certification.spreadsheets import xlsx_response
from lms.models import ClassSession
from lms.selectors import attendance_rate, base_classes

CLASS_HEADERS = ["班次", "课程", "开始时间", "状态", "报名人数", "出勤人数", "出勤率（%）"]


def _month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


def _base(request, scope) -> Organisation:
    """The requested base (?base=id) if the user is its staff; otherwise an audited 404."""
    base_ids = sorted(scope.org_ids(StaffRole.BASE_STAFF))
    requested = request.GET.get("base", "")
    if requested:
        if not requested.isdigit() or int(requested) not in base_ids:
            try:
                deny(request.user, action=f"dashboard.base:{requested}", request=request)
            except PermissionDenied:
                raise Http404 from None
        return get_object_or_404(Organisation, pk=int(requested))
    if not base_ids:  # a base-staff role without a base: nothing to show
        raise Http404
    return get_object_or_404(Organisation, pk=base_ids[0])


@login_required
def base_dashboard(request):
    scope = require_role(
        request.user, StaffRole.BASE_STAFF, request=request, action="dashboard.base"
    )
    base = _base(request, scope)
    course = request.GET.get("course", "")
    course_id = int(course) if course.isdigit() and len(course) < 10 else None
    month_from, month_to = _month(request.GET.get("from", "")), _month(request.GET.get("to", ""))
    upcoming, recent = base_classes(
        training_base_ids=[base.pk], course_id=course_id, month_from=month_from, month_to=month_to
    )
    held = [c for c in recent if c["status"] != ClassSession.Status.CANCELLED]
    overall_rate = attendance_rate(
        present=sum(c["present"] for c in held), enrolled=sum(c["enrolled"] for c in held)
    )
    certificates = base_certificates_by_month(
        training_base_ids=[base.pk], month_from=month_from, month_to=month_to
    )
    pending = base_pending_issuance(training_base=base)
    if course_id:
        pending = [p for p in pending if p["course_id"] == course_id]
    status_labels = dict(ClassSession.Status.choices)
    for c in upcoming + recent:
        c["status_label"] = status_labels.get(c["status"], c["status"])

    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user,
            action="dashboard.export",
            obj=base,
            data={"dashboard": "training_base"},
            ip=client_ip(request),
            region_path=base.region.path,
        )

        def class_rows(rows):
            return [
                [
                    c["title"],
                    c["course__title"],
                    timezone.localtime(c["starts_at"]).strftime("%Y-%m-%d %H:%M"),
                    c["status_label"],
                    c["enrolled"],
                    c["present"],
                    c["rate"],
                ]
                for c in rows
            ]

        return xlsx_response(
            f"base-{base.pk}.xlsx",
            [
                ("近期班次", CLASS_HEADERS, class_rows(recent)),
                ("即将开班", CLASS_HEADERS, class_rows(upcoming)),
                (
                    "发证",
                    ["月份", "发证", "其中已撤销"],
                    [
                        [m["month"].strftime("%Y-%m"), m["issued"], m["revoked"]]
                        for m in certificates
                    ],
                ),
                (
                    "待发证",
                    ["姓名", "证件号码（脱敏）", "课程", "理论学时", "实操学时"],
                    [
                        [
                            p["name"],
                            p["id_masked"],
                            p["course"],
                            p["theory_hours"],
                            p["practice_hours"],
                        ]
                        for p in pending
                    ],
                ),
            ],
        )

    max_issued = max([m["issued"] for m in certificates] + [1])
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "lms/dashboard.html",
        {
            "base": base,
            "upcoming": upcoming,
            "recent": recent,
            "overall_rate": overall_rate,
            "certificates": [(m, round(100 * m["issued"] / max_issued, 2)) for m in certificates],
            "issued_total": sum(m["issued"] for m in certificates),
            "pending": pending,
            "suspensions": base_suspensions(base),
            "bases": Organisation.objects.filter(
                pk__in=scope.org_ids(StaffRole.BASE_STAFF)
            ).order_by("name"),
            "courses": ClassSession.objects.filter(training_base=base)
            .values_list("course_id", "course__title")
            .distinct()
            .order_by("course__title"),
            "filters": {"course": course_id, "from": month_from, "to": month_to},
            "export_query": query.urlencode(),
        },
    )
