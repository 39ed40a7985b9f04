"""Read-side queries of the supervision dashboards (D-31).

Every number is aggregated in the database from the maintained summaries (CycleSummary, D-13),
certificates, subsidy applications and ban checks, grouped by child region with one CASE per
child region path prefix; no loop over people in Python.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, Count, Q, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from certification.models import (
    BanCheck,
    Certificate,
    CycleStatus,
    CycleSummary,
    Employment,
    Organisation,
    Region,
    SubsidyApplication,
)
from certification.models.subsidies import ApplicationStatus

STATUSES = [s.value for s in CycleStatus]
DIRECT = "__direct__"  # bucket of rows attached to the region itself, not to one of its children
APPROVED_STATES = [ApplicationStatus.APPROVED, ApplicationStatus.IN_BATCH, ApplicationStatus.PAID]


@dataclass
class DashboardFilters:
    role: str = ""
    status: str = ""
    month_from: dt.date | None = None  # first day of a month, inclusive
    month_to: dt.date | None = None  # first day of a month, inclusive


@dataclass
class StatusRow:
    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class RegulatorDashboard:
    region: Region
    rows: list[StatusRow]
    totals: dict[str, int]
    by_role: list[dict]
    certificates_by_month: list[dict]
    subsidies: dict
    ban_hits: int
    people: list[dict] | None = None  # person drill-down (institution level), masked IDs only
    institution: Organisation | None = None

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def _current_cycles(*, today: dt.date) -> Q:
    """Current cycles (start <= today <= end) plus lapsed ones (D-13)."""
    return Q(start_date__lte=today, end_date__gte=today) | Q(status=CycleStatus.LAPSED)


def _summaries(region: Region, filters: DashboardFilters, today: dt.date):
    qs = CycleSummary.objects.filter(_current_cycles(today=today),
                                     region_path__startswith=region.path)
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def _bucket_expression(children: list[Region], field_name: str = "region_path"):
    whens = [When(**{f"{field_name}__startswith": c.path}, then=Value(c.code)) for c in children]
    return Case(*whens, default=Value(DIRECT), output_field=CharField())


def _month_range(qs, field_name: str, filters: DashboardFilters):
    if filters.month_from:
        qs = qs.filter(**{f"{field_name}__gte": filters.month_from})
    if filters.month_to:
        # inclusive month: strictly before the first day of the following month
        nxt = (filters.month_to.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        qs = qs.filter(**{f"{field_name}__lt": nxt})
    return qs


def regulator_dashboard(*, region: Region, filters: DashboardFilters | None = None,
                        institution: Organisation | None = None,
                        today: dt.date | None = None) -> RegulatorDashboard:
    """D-31: the dashboard of one region (already checked against the user's scope).

    Rows: one per child region (province → city → county), at county level one per institution,
    plus a "directly attached" row so the totals always equal the sum of the rows.
    With `institution`, the person drill-down (masked ID numbers only).
    """
    filters = filters or DashboardFilters()
    today = today or timezone.localdate()
    summaries = _summaries(region, filters, today)
    if institution is not None:
        summaries = summaries.filter(institution=institution)

    rows: dict[str, StatusRow] = {}
    children = list(Region.objects.filter(parent=region, is_active=True).order_by("code"))
    if children and institution is None:
        for c in children:
            rows[c.code] = StatusRow(key=c.code, label=c.name)
        grouped = (summaries.annotate(bucket=_bucket_expression(children))
                   .values("bucket", "status").annotate(n=Count("id")).order_by())
    else:
        orgs = Organisation.objects.filter(region__path__startswith=region.path,
                                           kind=Organisation.Kind.INSTITUTION).order_by("name")
        if institution is not None:
            orgs = orgs.filter(pk=institution.pk)
        for o in orgs:
            rows[str(o.pk)] = StatusRow(key=str(o.pk), label=o.name)
        grouped = (summaries.annotate(bucket=Case(
            When(institution__isnull=False, then=_cast_text("institution_id")),
            default=Value(DIRECT), output_field=CharField()))
            .values("bucket", "status").annotate(n=Count("id")).order_by())
    for g in grouped:
        row = rows.get(g["bucket"])
        if row is None:
            row = rows.setdefault(DIRECT, StatusRow(key=DIRECT, label="本级直属/未归属机构"))
        row.counts[g["status"]] = row.counts.get(g["status"], 0) + g["n"]
    for row in rows.values():
        for s in STATUSES:
            row.counts.setdefault(s, 0)

    totals = dict.fromkeys(STATUSES, 0)
    for g in summaries.values("status").annotate(n=Count("id")).order_by():
        totals[g["status"]] = g["n"]
    by_role = list(summaries.values("role", "status").annotate(n=Count("id"))
                   .order_by("role", "status"))

    certs = Certificate.objects.filter(person__region__path__startswith=region.path)
    if institution is not None:
        certs = certs.filter(person__in=Employment.objects.filter(institution=institution)
                              .values("person_id"))
    issued = _month_range(certs, "issue_date", filters)
    revoked = _month_range(certs.filter(revoked_at__isnull=False), "revoked_at", filters)
    months: dict[dt.date, dict] = {}
    for g in issued.annotate(m=TruncMonth("issue_date")).values("m").annotate(
            n=Count("id")).order_by():
        months.setdefault(_as_date(g["m"]), {"issued": 0, "revoked": 0})["issued"] = g["n"]
    for g in revoked.annotate(m=TruncMonth("revoked_at")).values("m").annotate(
            n=Count("id")).order_by():
        months.setdefault(_as_date(g["m"]), {"issued": 0, "revoked": 0})["revoked"] = g["n"]
    certificates_by_month = [{"month": m, **v} for m, v in sorted(months.items())]

    apps = _month_range(SubsidyApplication.objects.filter(region__path__startswith=region.path),
                        "submitted_at", filters)
    subsidies = apps.aggregate(
        approved_count=Count("id", filter=Q(status__in=APPROVED_STATES)),
        approved_sum=Sum("amount", filter=Q(status__in=APPROVED_STATES)),
        paid_count=Count("id", filter=Q(status=ApplicationStatus.PAID)),
        paid_sum=Sum("amount", filter=Q(status=ApplicationStatus.PAID)),
    )
    subsidies["approved_sum"] = subsidies["approved_sum"] or Decimal("0")
    subsidies["paid_sum"] = subsidies["paid_sum"] or Decimal("0")
    ban_hits = _month_range(BanCheck.objects.filter(region_path__startswith=region.path,
                                                    result=BanCheck.Result.HIT),
                            "at", filters).count()

    people = None
    if institution is not None:
        people = list(summaries.order_by("status", "end_date", "person__name").values(
            "person_id", "person__name", "person__id_masked", "role", "status",
            "theory_hours", "practice_hours", "end_date"))

    ordered = [r for k, r in rows.items() if k != DIRECT]
    if DIRECT in rows:
        ordered.append(rows[DIRECT])
    return RegulatorDashboard(region=region, rows=ordered, totals=totals, by_role=by_role,
                              certificates_by_month=certificates_by_month, subsidies=subsidies,
                              ban_hits=ban_hits, people=people, institution=institution)


def _cast_text(field_name: str):
    from django.db.models.functions import Cast

    return Cast(field_name, output_field=CharField())


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


ATTENTION_ORDER = {CycleStatus.LAPSED: 0, CycleStatus.BEHIND: 1, CycleStatus.ON_TRACK: 2,
                   CycleStatus.MET: 3}


def institution_roster(*, institution: Organisation, today: dt.date | None = None) -> list[dict]:
    """The institution's staff in their current (or lapsed) cycle, "who needs attention first":
    lapsed, then behind, on track, met; within a status the nearest cycle end first (D-13)."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    today = today or timezone.localdate()
    valid_certs = (Certificate.objects.filter(person=OuterRef("person"),
                                              status=Certificate.Status.VALID)
                   .order_by().values("person").annotate(n=Count("id")).values("n"))
    attention = Case(*[When(status=s, then=Value(n)) for s, n in ATTENTION_ORDER.items()],
                     default=Value(9), output_field=IntegerField())
    return list(
        CycleSummary.objects.filter(_current_cycles(today=today), institution=institution)
        .annotate(attention=attention,
                  certificates=Coalesce(Subquery(valid_certs, output_field=IntegerField()), 0))
        .order_by("attention", "end_date", "person__name")
        .values("person_id", "person__name", "person__id_masked", "role", "status",
                "theory_hours", "practice_hours", "required_theory", "required_practice",
                "end_date", "certificates")
    )
