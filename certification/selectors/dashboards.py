"""Read-side queries of the supervision dashboards (D-31) and the training-base dashboard.

Every number is aggregated in the database from the maintained summaries (CycleSummary, D-13),
certificates, subsidy applications and ban checks: people in one query grouped by child region
(a cut of the region path) × role × status, activity in one grouped query per table and month;
never a scan of the hours ledger and no loop over people in Python.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from certification.models import (
    BanCheck,
    Certificate,
    CycleStatus,
    CycleSummary,
    Employment,
    Organisation,
    Person,
    Region,
    SubsidyApplication,
)
from certification.models.assessments import AssessmentResult
from certification.models.hours import HourEntry
from certification.models.organisations import Accreditation
from certification.models.subsidies import ApplicationStatus
from certification.rules.certificates import TrainingFacts, training_refusals
from certification.selectors.bans import banned_person_ids
from cms.choices import WorkerRole
from cms.models import CoursePage

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
    kind: str = ""  # "region" (drill into), "institution" (drill into people), "role", ""

    @property
    def cells(self) -> list[int]:
        """Counts in STATUSES order (for templates and exports)."""
        return [self.counts.get(s, 0) for s in STATUSES]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class MonthRow:
    """One month of the activity tables: certificates, subsidies (count, yuan), ban hits."""

    month: dt.date
    issued: int = 0
    revoked: int = 0
    approved_count: int = 0
    approved_sum: Decimal = Decimal("0")
    paid_count: int = 0
    paid_sum: Decimal = Decimal("0")
    ban_hits: int = 0


@dataclass
class RegulatorDashboard:
    region: Region
    rows: list[StatusRow]
    totals: dict[str, int]
    by_role: list[StatusRow]
    months: list[MonthRow]
    subsidies: dict
    ban_hits: int
    people: list[dict] | None = None  # person drill-down (institution level), masked IDs only
    institution: Organisation | None = None

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def certificates_by_month(self) -> list[MonthRow]:
        return [m for m in self.months if m.issued or m.revoked]

    @property
    def certificates_issued(self) -> int:
        return sum(m.issued for m in self.months)

    @property
    def certificates_revoked(self) -> int:
        return sum(m.revoked for m in self.months)


def _current_cycles(*, today: dt.date) -> Q:
    """Current cycles (start <= today <= end) plus lapsed ones (D-13)."""
    return Q(start_date__lte=today, end_date__gte=today) | Q(status=CycleStatus.LAPSED)


def _summaries(region: Region, filters: DashboardFilters, today: dt.date):
    qs = CycleSummary.objects.filter(
        _current_cycles(today=today), region_path__startswith=region.path
    )
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


DATE_FIELDS = {"issue_date"}  # the other month fields are DateTimeFields


def _bound(day: dt.date, field_name: str):
    if field_name in DATE_FIELDS:
        return day
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month_range(qs, field_name: str, filters: DashboardFilters):
    if filters.month_from:
        qs = qs.filter(**{f"{field_name}__gte": _bound(filters.month_from, field_name)})
    if filters.month_to:
        # inclusive month: strictly before the first day of the following month
        nxt = (filters.month_to.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        qs = qs.filter(**{f"{field_name}__lt": _bound(nxt, field_name)})
    return qs


def _by_month(qs, date_field: str, filters: DashboardFilters, **aggregates):
    qs = _month_range(qs, date_field, filters)
    return qs.annotate(m=TruncMonth(date_field)).values("m").annotate(**aggregates).order_by()


def regulator_dashboard(
    *,
    region: Region,
    filters: DashboardFilters | None = None,
    institution: Organisation | None = None,
    today: dt.date | None = None,
) -> RegulatorDashboard:
    """D-31: the dashboard of one region (already checked against the user's scope).

    Rows: one per child region (province → city → county), at county level one per institution,
    plus a "directly attached" row so the totals always equal the sum of the rows.
    With `institution`, the person drill-down (masked ID numbers only) and every activity table
    narrowed to that institution. People counts come from CycleSummary (one grouped query over
    region × role × status); activity per month from certificates, subsidy applications and ban
    checks, grouped by month in the database.
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
            rows[c.code] = StatusRow(key=c.code, label=c.name, kind="region")
        # Every child's path is the parent's plus "<6-digit code>/": one prefix cut per row
        # (cheaper than a CASE of LIKEs); anything else is attached to the region itself.
        bucket = Substr("region_path", 1, len(region.path) + 7)
        bucket_key = {c.path: c.code for c in children}.get
    else:
        orgs = Organisation.objects.filter(
            region__path__startswith=region.path, kind=Organisation.Kind.INSTITUTION
        ).order_by("name")
        if institution is not None:
            orgs = orgs.filter(pk=institution.pk)
        for o in orgs.values("pk", "name"):
            rows[str(o["pk"])] = StatusRow(key=str(o["pk"]), label=o["name"], kind="institution")
        bucket = F("institution_id")

        def bucket_key(value):
            return None if value is None else str(value)

    grouped = (
        summaries.annotate(bucket=bucket)
        .values("bucket", "role", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    roles: dict[str, StatusRow] = {
        r: StatusRow(key=r, label=str(label), kind="role") for r, label in WorkerRole.choices
    }
    # The totals row is summed from the database's groups, independently of how the groups are
    # mapped onto rows, so "totals = sum of rows" checks that no group is lost.
    totals = dict.fromkeys(STATUSES, 0)
    for g in grouped:
        totals[g["status"]] = totals.get(g["status"], 0) + g["n"]
        row = rows.get(bucket_key(g["bucket"]))
        if row is None:
            row = rows.setdefault(
                DIRECT, StatusRow(key=DIRECT, label=gettext("本级直属/未归属机构"))
            )
        row.counts[g["status"]] = row.counts.get(g["status"], 0) + g["n"]
        by_role = roles.setdefault(
            g["role"], StatusRow(key=g["role"], label=g["role"], kind="role")
        )
        by_role.counts[g["status"]] = by_role.counts.get(g["status"], 0) + g["n"]
    for row in [*rows.values(), *roles.values()]:
        for s in STATUSES:
            row.counts.setdefault(s, 0)
    by_role_rows = [r for r in roles.values() if not filters.role or r.key == filters.role]

    # The subtree's region codes as a list: the planner estimates `IN (…)` well, where a LIKE on
    # the joined region path made it loop over every person.
    codes = list(Region.objects.filter(path__startswith=region.path).values_list("code", flat=True))
    # A certificate carries the region it was issued for: no join to people (issue 18).
    certs = Certificate.objects.filter(region_id__in=codes)
    apps = SubsidyApplication.objects.filter(region_id__in=codes)
    checks = BanCheck.objects.filter(
        region_path__startswith=region.path, result=BanCheck.Result.HIT
    )
    if institution is not None:
        certs = certs.filter(
            person__in=Employment.objects.filter(institution=institution).values("person_id")
        )
        apps = apps.filter(institution=institution)
        checks = checks.filter(organisation=institution)

    months: dict[dt.date, MonthRow] = {}

    def month(value) -> MonthRow:
        day = _as_date(value)
        return months.setdefault(day, MonthRow(month=day))

    for g in _by_month(certs, "issue_date", filters, n=Count("id")):
        month(g["m"]).issued = g["n"]
    for g in _by_month(
        certs.filter(revoked_at__isnull=False), "revoked_at", filters, n=Count("id")
    ):
        month(g["m"]).revoked = g["n"]
    for g in _by_month(
        apps.filter(status__in=APPROVED_STATES, approved_at__isnull=False),
        "approved_at",
        filters,
        n=Count("id"),
        s=Sum("amount"),
    ):
        row = month(g["m"])
        row.approved_count, row.approved_sum = g["n"], g["s"] or Decimal("0")
    for g in _by_month(
        apps.filter(status=ApplicationStatus.PAID, payment_line__batch__paid_at__isnull=False),
        "payment_line__batch__paid_at",
        filters,
        n=Count("id"),
        s=Sum("amount"),
    ):
        row = month(g["m"])
        row.paid_count, row.paid_sum = g["n"], g["s"] or Decimal("0")
    for g in _by_month(checks, "at", filters, n=Count("id")):
        month(g["m"]).ban_hits = g["n"]
    ordered_months = [months[m] for m in sorted(months)]

    subsidies = {
        "approved_count": sum(m.approved_count for m in ordered_months),
        "approved_sum": sum((m.approved_sum for m in ordered_months), Decimal("0")),
        "paid_count": sum(m.paid_count for m in ordered_months),
        "paid_sum": sum((m.paid_sum for m in ordered_months), Decimal("0")),
    }
    ban_hits = sum(m.ban_hits for m in ordered_months)

    people = None
    if institution is not None:
        people = list(
            summaries.order_by("status", "end_date", "person__name").values(
                "person_id",
                "person__name",
                "person__id_masked",
                "role",
                "status",
                "theory_hours",
                "practice_hours",
                "required_theory",
                "required_practice",
                "end_date",
            )
        )

    ordered = [r for k, r in rows.items() if k != DIRECT]
    if DIRECT in rows:
        ordered.append(rows[DIRECT])
    return RegulatorDashboard(
        region=region,
        rows=ordered,
        totals=totals,
        by_role=by_role_rows,
        months=ordered_months,
        subsidies=subsidies,
        ban_hits=ban_hits,
        people=people,
        institution=institution,
    )


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


ATTENTION_ORDER = {
    CycleStatus.LAPSED: 0,
    CycleStatus.BEHIND: 1,
    CycleStatus.ON_TRACK: 2,
    CycleStatus.MET: 3,
}


def institution_roster(*, institution: Organisation, today: dt.date | None = None) -> list[dict]:
    """Everyone the institution employs now, zero hours included (D-13), "who needs attention
    first": a ban flag (D-25: the employment must end) before all, then lapsed, behind (and no
    hours yet), on track, met; within a status the nearest cycle end first. Figures come from the
    person-role's current (or lapsed) cycle summary."""
    today = today or timezone.localdate()
    summary = CycleSummary.objects.filter(
        _current_cycles(today=today), person=OuterRef("person"), role=OuterRef("role")
    ).order_by("-start_date")
    valid_certs = (
        Certificate.objects.filter(person=OuterRef("person"), status=Certificate.Status.VALID)
        .order_by()
        .values("person")
        .annotate(n=Count("id"))
        .values("n")
    )
    attention = Case(
        When(flagged_for_termination_at__isnull=False, then=Value(-1)),
        *[When(status=s, then=Value(n)) for s, n in ATTENTION_ORDER.items()],
        default=Value(ATTENTION_ORDER[CycleStatus.BEHIND]),  # no hours recorded yet
        output_field=IntegerField(),
    )
    zero = Value(Decimal("0"))
    return list(
        Employment.objects.filter(institution=institution, end_date__isnull=True)
        .annotate(
            status=Subquery(summary.values("status")[:1]),
            theory_hours=Coalesce(Subquery(summary.values("theory_hours")[:1]), zero),
            practice_hours=Coalesce(Subquery(summary.values("practice_hours")[:1]), zero),
            required_theory=Subquery(summary.values("required_theory")[:1]),
            required_practice=Subquery(summary.values("required_practice")[:1]),
            end_date_of_cycle=Subquery(summary.values("end_date")[:1]),
            certificates=Coalesce(Subquery(valid_certs, output_field=IntegerField()), 0),
        )
        .annotate(attention=attention)
        .order_by("attention", F("end_date_of_cycle").asc(nulls_last=True), "person__name", "pk")
        .values(
            "pk",
            "person_id",
            "person__name",
            "person__id_masked",
            "role",
            "start_date",
            "flagged_for_termination_at",
            "flag_reason",
            "status",
            "theory_hours",
            "practice_hours",
            "required_theory",
            "required_practice",
            "end_date_of_cycle",
            "certificates",
        )
    )


# --- Training-base dashboard (read by lms through this public selector API) -------------------


def base_certificates_by_month(
    *, training_base_ids, month_from: dt.date | None = None, month_to: dt.date | None = None
) -> list[dict]:
    """Training certificates issued by these bases per month: issued and (of those) revoked."""
    filters = DashboardFilters(month_from=month_from, month_to=month_to)
    certs = Certificate.objects.filter(
        issuer_id__in=list(training_base_ids), kind=Certificate.Kind.TRAINING
    )
    rows = (
        _month_range(certs, "issue_date", filters)
        .annotate(m=TruncMonth("issue_date"))
        .values("m")
        .annotate(
            issued=Count("id"), revoked=Count("id", filter=Q(status=Certificate.Status.REVOKED))
        )
        .order_by("m")
    )
    return [
        {"month": _as_date(r["m"]), "issued": r["issued"], "revoked": r["revoked"]} for r in rows
    ]


def base_pending_issuance(
    *, training_base: Organisation, today: dt.date | None = None
) -> list[dict]:
    """D-17: people who studied a course at this base (hours or assessment results recorded
    here), now meet its certificate rule as of today, and hold no valid training certificate
    for it yet — the base's issuance to-do list. Facts are gathered in a few grouped queries;
    the decision is the pure rule `training_refusals` (the ban gate runs at issuance)."""

    today = today or timezone.localdate()
    pairs = set(
        HourEntry.objects.filter(training_base=training_base, course__isnull=False)
        .values_list("person_id", "course_id")
        .distinct()
    )
    pairs |= set(
        AssessmentResult.objects.filter(training_base=training_base)
        .values_list("person_id", "course_id")
        .distinct()
    )
    if not pairs:
        return []
    person_ids = {p for p, _ in pairs}
    course_ids = {c for _, c in pairs}
    certified = set(
        Certificate.objects.filter(
            kind=Certificate.Kind.TRAINING,
            status=Certificate.Status.VALID,
            person_id__in=person_ids,
            course_id__in=course_ids,
        ).values_list("person_id", "course_id")
    )
    pairs -= certified
    # D-25: a banned person is never on the to-do list (the gate would refuse anyway).
    banned = banned_person_ids(person_ids, on=today)
    pairs = {(p, c) for p, c in pairs if p not in banned}
    if not pairs:
        return []
    hours: dict[tuple[int, int, str], Decimal] = {}
    for r in (
        HourEntry.objects.filter(person_id__in=person_ids, course_id__in=course_ids)
        .values("person_id", "course_id", "kind")
        .annotate(s=Sum("hours"))
        .order_by()
    ):
        hours[(r["person_id"], r["course_id"], r["kind"])] = r["s"] or Decimal("0")
    passed = set(
        AssessmentResult.objects.filter(
            person_id__in=person_ids, course_id__in=course_ids, passed=True
        ).values_list("person_id", "course_id", "kind")
    )
    windows: dict[int, list[tuple[dt.date, dt.date]]] = {}
    # D-39: a suspended or withdrawn accreditation puts nobody on the to-do list.
    for course_id, start, end in Accreditation.objects.filter(
        training_base=training_base, courses__in=course_ids, status="active"
    ).values_list("courses", "valid_from", "valid_to"):
        windows.setdefault(course_id, []).append((start, end))
    courses = CoursePage.objects.in_bulk(course_ids)
    people = {
        p["pk"]: p
        for p in Person.objects.filter(pk__in=person_ids).values("pk", "name", "id_masked")
    }
    rows = []
    for person_id, course_id in pairs:
        course = courses.get(course_id)
        if course is None:
            continue
        theory = hours.get((person_id, course_id, "theory"), Decimal("0"))
        practice = hours.get((person_id, course_id, "practice"), Decimal("0"))
        facts = TrainingFacts(
            theory_required=course.theory_hours or Decimal("0"),
            practice_required=course.practice_hours or Decimal("0"),
            theory_earned=theory,
            practice_earned=practice,
            needs_theory_test=course.has_theory_test,
            theory_passed=(person_id, course_id, "theory") in passed,
            needs_practical=course.has_practical_assessment,
            practical_passed=(person_id, course_id, "practical") in passed,
            accreditation_windows=tuple(windows.get(course_id, ())),
            issue_date=today,
        )
        if training_refusals(facts):
            continue
        person = people[person_id]
        rows.append(
            {
                "person_id": person_id,
                "name": person["name"],
                "id_masked": person["id_masked"],
                "course_id": course_id,
                "course": course.title,
                "theory_hours": theory,
                "practice_hours": practice,
            }
        )
    rows.sort(key=lambda r: (r["course"], r["name"], r["person_id"]))
    return rows
