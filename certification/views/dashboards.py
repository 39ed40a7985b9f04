"""Supervision dashboards (D-31). Thin: parse filters → scope check → selector → page/xlsx."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.access import deny, require_role
from certification.audit import audit_record, client_ip
from certification.models import CycleStatus, Organisation, Region, StaffRole
from certification.rules.health import HealthStatus
from certification.selectors.dashboards import (
    STATUSES,
    DashboardFilters,
    institution_roster,
)
from certification.selectors.dashboards import (
    regulator_dashboard as select_regulator_dashboard,
)
from certification.selectors.health import (
    health_count_rows,
    institution_health_counts,
    institution_health_flags,
    region_health_counts,
)
from certification.selectors.work_certificates import (
    institution_work_certificate_counts,
    region_work_certificate_counts,
)
from certification.spreadsheets import xlsx_response
from cms.choices import WorkerRole
from cms.db_router import lag_tolerant_reads


def _month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


def _filters(request) -> DashboardFilters:
    role = request.GET.get("role", "")
    status = request.GET.get("status", "")
    return DashboardFilters(
        role=role if role in WorkerRole.values else "",
        status=status if status in STATUSES else "",
        month_from=_month(request.GET.get("from", "")),
        month_to=_month(request.GET.get("to", "")),
    )


def _scoped_region(request, scope) -> Region:
    """The requested region (?region=code) if inside the user's subtree; else audited 404."""
    code = request.GET.get("region", "")
    if not code:
        path = scope.paths(StaffRole.REGULATOR)[0]
        return get_object_or_404(Region, code=path.rstrip("/").split("/")[-1])
    region = Region.objects.filter(code=code).first()
    if region is None or not scope.covers_path(region.path, StaffRole.REGULATOR):
        try:
            deny(request.user, action=f"dashboard.regulator:{code}", request=request)
        except PermissionDenied:
            raise Http404 from None
    return region


@login_required
def regulator_dashboard(request):
    """D-31: the regulator's region subtree with drill-down to institution and person."""
    scope = require_role(
        request.user, StaffRole.REGULATOR, request=request, action="dashboard.regulator"
    )
    region = _scoped_region(request, scope)
    institution = None
    requested = request.GET.get("institution", "")
    if requested.isdigit():
        institution = (
            Organisation.objects.filter(
                pk=int(requested), region__path__startswith=region.path
            ).first()
            if len(requested) < 19  # beyond a bigint: no such institution
            else None
        )
        if institution is None:
            raise Http404
    filters = _filters(request)
    with lag_tolerant_reads():  # figures over a region; access was decided on the primary
        data = select_regulator_dashboard(region=region, filters=filters, institution=institution)
    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user,
            action="dashboard.export",
            obj=region,
            data={
                "dashboard": "regulator",
                "institution": getattr(institution, "pk", None),
                "role": filters.role,
                "status": filters.status,
            },
            ip=client_ip(request),
            region_path=region.path,
        )
        return xlsx_response(f"supervision-{region.code}.xlsx", _regulator_sheets(data))
    labels = dict(CycleStatus.choices)
    for p in data.people or []:
        p["role_label"] = WorkerRole(p["role"]).label if p["role"] in WorkerRole.values else ""
        p["status_label"] = labels.get(p["status"], p["status"])
    max_total = max([r.total for r in data.rows] + [1])
    max_month = max([max(m.issued, m.revoked) for m in data.months] + [1])
    query = request.GET.copy()
    query.pop("format", None)
    # drill-down links keep the filters; the region/institution is set by each link
    keep = query.copy()
    for key in ("region", "institution"):
        keep.pop(key, None)
    return render(
        request,
        "certification/dashboards/regulator.html",
        {
            "data": data,
            "filters": filters,
            "statuses": [(s, labels[s]) for s in STATUSES],
            "roles": WorkerRole.choices,
            "overview": _stacked([(data.region.name, data.totals)], max(data.total, 1))[0],
            "rows": _stacked([(r, r.counts) for r in data.rows], max_total),
            "role_rows": _stacked(
                [(r, r.counts) for r in data.by_role], max([r.total for r in data.by_role] + [1])
            ),
            "month_bars": [
                (m, _pct(m.issued, max_month), _pct(m.revoked, max_month))
                for m in data.certificates_by_month
            ],
            # breadcrumbs: only the levels inside the user's own subtree (no links to a 404)
            "ancestors": [
                r
                for r in Region.objects.filter(code__in=region.path.strip("/").split("/")).order_by(
                    "path"
                )
                if scope.covers_path(r.path, StaffRole.REGULATOR)
            ],
            "status_totals": [(s, labels[s], data.totals[s]) for s in STATUSES],
            "export_query": query.urlencode(),
            "keep_query": keep.urlencode(),
            # D-36: due, overdue, unfit and unchecked people of the subtree (or institution).
            "health_counts": health_count_rows(
                region_health_counts(region=region, institution=institution)
            ),
            "work_certificates": (
                institution_work_certificate_counts(institution)
                if institution is not None
                else region_work_certificate_counts(region)
            ),
        },
    )


def _pct(n: int, of: int) -> float:
    return round(100 * n / of, 2) if of else 0


def _stacked(items, scale: int) -> list[tuple]:
    """Server-rendered stacked bars: (item, cells in STATUSES order,
    [(status, label, n, x, width)]) with x/width in percent of `scale` (the largest row),
    drawn as one inline SVG per row (no JavaScript)."""
    labels = dict(CycleStatus.choices)
    out = []
    for item, counts in items:
        x, segments = 0.0, []
        for s in STATUSES:
            width = _pct(counts.get(s, 0), scale)
            if width:
                segments.append((s, labels[s], counts[s], x, width))
            x = round(x + width, 2)
        out.append((item, [counts.get(s, 0) for s in STATUSES], segments))
    return out


def _regulator_sheets(data):
    labels = dict(CycleStatus.choices)
    role_labels = dict(WorkerRole.choices)
    status_headers = [labels[s] for s in STATUSES]
    sheets = [
        (
            _("人员周期状态"),
            [_("区域/机构"), *status_headers, _("合计")],
            [[r.label, *r.cells, r.total] for r in data.rows]
            + [[_("合计"), *[data.totals[s] for s in STATUSES], data.total]],
        ),
        (
            _("按岗位"),
            [_("岗位"), *status_headers, _("合计")],
            [[r.label, *r.cells, r.total] for r in data.by_role],
        ),
        (
            _("证书"),
            [_("月份"), _("发证"), _("撤销")],
            [[m.month.strftime("%Y-%m"), m.issued, m.revoked] for m in data.certificates_by_month]
            + [[_("合计"), data.certificates_issued, data.certificates_revoked]],
        ),
        (
            _("补贴与禁入"),
            [
                _("月份"),
                _("批准件数"),
                _("批准金额（元）"),
                _("支付件数"),
                _("支付金额（元）"),
                _("禁入核查命中"),
            ],
            [
                [
                    m.month.strftime("%Y-%m"),
                    m.approved_count,
                    m.approved_sum,
                    m.paid_count,
                    m.paid_sum,
                    m.ban_hits,
                ]
                for m in data.months
            ]
            + [
                [
                    _("合计"),
                    data.subsidies["approved_count"],
                    data.subsidies["approved_sum"],
                    data.subsidies["paid_count"],
                    data.subsidies["paid_sum"],
                    data.ban_hits,
                ]
            ],
        ),
    ]
    if data.people is not None:
        sheets.append(
            (
                _("人员"),
                [
                    _("姓名"),
                    _("证件号码（脱敏）"),
                    _("岗位"),
                    _("状态"),
                    _("理论学时"),
                    _("实操学时"),
                    _("周期结束"),
                ],
                [
                    [
                        p["person__name"],
                        p["person__id_masked"],
                        role_labels.get(p["role"], p["role"]),
                        labels.get(p["status"]),
                        p["theory_hours"],
                        p["practice_hours"],
                        p["end_date"],
                    ]
                    for p in data.people
                ],
            )
        )
    return sheets


ROSTER_HEADERS = [
    gettext_lazy("姓名"),
    gettext_lazy("证件号码（脱敏）"),
    gettext_lazy("岗位"),
    gettext_lazy("状态"),
    gettext_lazy("理论学时"),
    gettext_lazy("实操学时"),
    gettext_lazy("周期结束"),
    gettext_lazy("有效证书"),
]


@login_required
def institution_dashboard(request):
    """The institution admin's staff roster, who needs attention first (D-13), with export."""
    scope = require_role(
        request.user, StaffRole.INSTITUTION_ADMIN, request=request, action="dashboard.institution"
    )
    org_ids = sorted(scope.org_ids(StaffRole.INSTITUTION_ADMIN))
    requested = request.GET.get("org", "")
    if requested:
        if not requested.isdigit() or int(requested) not in org_ids:
            try:
                deny(request.user, action=f"dashboard.institution:{requested}", request=request)
            except PermissionDenied:
                raise Http404 from None
        org_id = int(requested)
    else:
        org_id = org_ids[0]
    institution = get_object_or_404(Organisation, pk=org_id)
    roster = institution_roster(institution=institution)
    labels = dict(CycleStatus.choices)
    role_labels = dict(WorkerRole.choices)
    # D-36: an unfit result or a lapsed health certificate flags the person like a lapsed cycle.
    health_flags = institution_health_flags(institution=institution)
    health_labels = dict(HealthStatus.choices)
    for row in roster:
        row["health_label"] = health_labels.get(health_flags.get(row["person_id"]), "")
        if row["flagged_for_termination_at"]:
            row["status_label"] = _("禁入，应解除任职")
        elif row["status"] is None:
            row["status_label"] = _("暂无学时记录")
        else:
            row["status_label"] = labels.get(row["status"], row["status"])
        row["role_label"] = role_labels.get(row["role"], row["role"])
    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user,
            action="dashboard.export",
            obj=institution,
            data={"dashboard": "institution"},
            ip=client_ip(request),
            region_path=institution.region.path,
        )
        rows = [
            [
                r["person__name"],
                r["person__id_masked"],
                r["role_label"],
                r["status_label"],
                r["theory_hours"],
                r["practice_hours"],
                r["end_date_of_cycle"],
                r["certificates"],
            ]
            for r in roster
        ]
        return xlsx_response(f"roster-{institution.pk}.xlsx", [(_("人员"), ROSTER_HEADERS, rows)])
    return render(
        request,
        "certification/dashboards/institution.html",
        {
            "institution": institution,
            "roster": roster,
            "today": timezone.localdate(),
            "organisations": Organisation.objects.filter(pk__in=org_ids).order_by("name"),
            "health_counts": health_count_rows(institution_health_counts(institution=institution)),
            "work_certificates": institution_work_certificate_counts(institution),
        },
    )
