"""Reads of D-37 持证上岗: the rule in force for a region and role, one newcomer's requirement,
and the status of many active employments computed in the database.

The rules are few (per region and role), the employments many: the rules in force are resolved
in Python once per region of the institutions involved, then every employment's deadline and
status is one annotated query (PostgreSQL month arithmetic clamps month ends exactly like
certification.rules.subsidies.add_months).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils import timezone

from certification.models import (
    WORK_CERTIFICATE_ROLES,
    Certificate,
    Employment,
    Region,
    WorkCertificateRule,
)
from certification.rules.work_certificates import (
    HOLDS,
    NOT_REQUIRED,
    PAST_GRACE,
    WITHIN_GRACE,
    CertificateFacts,
    WorkCertificateStatus,
    requirement_message,
    rule_summary,
    work_certificate_status,
)
from certification.selectors.rules import _region_codes, most_specific_rule
from cms.choices import ALL_STAFF

LISTED_STATUSES = (WITHIN_GRACE, PAST_GRACE, HOLDS)


class AddMonths(Func):
    """date + N months as a date (PostgreSQL clamps to the month's last day)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        start, months = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        months_sql, months_params = compiler.compile(months)
        sql = f"(({start_sql}) + make_interval(months => ({months_sql})::integer))::date"
        return sql, [*start_params, *months_params]


def work_certificate_rule_for(*, role: str, region, on_date: dt.date):
    """The WorkCertificateRule in force for `role` in `region` on `on_date` (own region, then
    ancestors, then a national row), or None: not required."""
    codes = _region_codes(region)
    rows = list(
        WorkCertificateRule.objects.filter(role=role, effective_from__lte=on_date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))
        .filter(Q(region_id__in=codes) | Q(region__isnull=True))
        .order_by("-effective_from", "-id")
    )
    return most_specific_rule(rows, codes, on_date)


@dataclass(frozen=True)
class NewcomerRequirement:
    rule: WorkCertificateRule | None
    status: WorkCertificateStatus
    message: str

    @property
    def required(self) -> bool:
        return self.status.status != NOT_REQUIRED


def _facts(certificates, role: str, on_date: dt.date) -> list[CertificateFacts]:
    facts = []
    for cert in certificates:
        audience = (cert.course.audience_roles or []) if cert.course_id else []
        facts.append(
            CertificateFacts(
                kind=cert.kind,
                issue_date=cert.issue_date,
                for_role=role in audience or ALL_STAFF in audience,
                revoked_on=(
                    timezone.localdate(cert.revoked_at)
                    if cert.status == Certificate.Status.REVOKED and cert.revoked_at
                    else None
                ),
            )
        )
    return facts


def newcomer_requirement(
    *, person, role: str, region, start_date: dt.date, on_date: dt.date | None = None
) -> NewcomerRequirement:
    """What a hire in `role` in `region` needs (D-37), with the person's own certificates."""
    on_date = on_date or timezone.localdate()
    rule = work_certificate_rule_for(role=role, region=region, on_date=on_date)
    certificates = []
    if rule is not None and rule.required:
        certificates = person.certificates.filter(
            kind__in=[Certificate.Kind.TRAINING, Certificate.Kind.SKILL_LEVEL]
        ).select_related("course")
    status = work_certificate_status(
        rule=rule,
        start_date=start_date,
        certificates=_facts(certificates, role, on_date),
        on_date=on_date,
    )
    return NewcomerRequirement(
        rule=rule, status=status, message=requirement_message(role=role, rule=rule, status=status)
    )


def region_requirements(*, region, on_date: dt.date | None = None) -> list[str]:
    """What the region asks of newcomers per role, for the hiring page before the role is
    chosen; empty when nothing is required."""
    on_date = on_date or timezone.localdate()
    codes = _region_codes(region)
    # One query for every role (the hiring page shows this after each clear check).
    rows = list(
        WorkCertificateRule.objects.filter(role__in=WORK_CERTIFICATE_ROLES)
        .filter(effective_from__lte=on_date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))
        .filter(Q(region_id__in=codes) | Q(region__isnull=True))
        .order_by("-effective_from", "-id")
    )
    texts = []
    for role in WORK_CERTIFICATE_ROLES:
        rule = most_specific_rule([r for r in rows if r.role == role], codes, on_date)
        if rule is not None and rule.required:
            texts.append(rule_summary(role=role, rule=rule))
    return texts


def _rules_by_role_and_region(region_codes: set[str], on_date: dt.date) -> dict:
    """{(role, rule): [region codes]} for required rules in force on `on_date`."""
    regions = list(Region.objects.filter(pk__in=region_codes).only("code", "path"))
    ancestry = {r.code: _region_codes(r) for r in regions}
    all_codes = {c for codes in ancestry.values() for c in codes}
    rows = list(
        WorkCertificateRule.objects.filter(effective_from__lte=on_date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))
        .filter(Q(region_id__in=all_codes) | Q(region__isnull=True))
        .order_by("-effective_from", "-id")
    )
    grouped: dict = defaultdict(list)
    for role in WORK_CERTIFICATE_ROLES:
        role_rows = [r for r in rows if r.role == role]
        for code, codes in ancestry.items():
            rule = most_specific_rule(role_rows, codes, on_date)
            if rule is not None and rule.required:
                grouped[(role.value, rule)].append(code)
    return grouped


def _valid_certificates(kind: str, on_date: dt.date):
    return Certificate.objects.filter(
        person=OuterRef("person"),
        kind=kind,
        status=Certificate.Status.VALID,
        issue_date__lte=on_date,
    )


def work_certificate_rows(
    employments, *, on_date: dt.date | None = None, region_codes: set[str] | None = None
):
    """`employments` (active ones) that a required rule covers, annotated with wc_deadline and
    wc_status (within_grace / past_grace / holds), in one query; employments under no
    required rule are left out. `region_codes`, when the caller knows them, are the regions
    the employments' institutions may lie in (else collected from the employments: a scan)."""
    on_date = on_date or timezone.localdate()
    if region_codes is None:
        region_codes = set(
            employments.order_by().values_list("institution__region_id", flat=True).distinct()
        )
    grouped = _rules_by_role_and_region(region_codes, on_date)
    if not grouped:
        return employments.none().annotate(
            wc_deadline=Value(None, output_field=DateField()),
            wc_status=Value("", output_field=CharField()),
        )

    def per_rule(value_of, output_field):
        return Case(
            *[
                When(role=role, institution__region_id__in=codes, then=Value(value_of(rule)))
                for (role, rule), codes in grouped.items()
            ],
            default=None,
            output_field=output_field,
        )

    trained = Case(
        *[
            When(
                role=role,
                then=Exists(
                    _valid_certificates(Certificate.Kind.TRAINING, on_date).filter(
                        Q(course__audience_roles__contains=[role])
                        | Q(course__audience_roles__contains=[ALL_STAFF])
                    )
                ),
            )
            for role in WORK_CERTIFICATE_ROLES
        ],
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        employments.annotate(
            wc_grace=per_rule(lambda r: r.grace_months, IntegerField()),
            wc_accepts_training=per_rule(lambda r: r.accepts_training, BooleanField()),
            wc_accepts_skill=per_rule(lambda r: r.accepts_skill_level, BooleanField()),
        )
        .filter(wc_grace__isnull=False)
        .annotate(
            wc_deadline=AddMonths(F("start_date"), F("wc_grace")),
            wc_trained=trained,
            wc_skilled=Exists(_valid_certificates(Certificate.Kind.SKILL_LEVEL, on_date)),
        )
        .annotate(
            wc_status=Case(
                When(
                    Q(wc_accepts_training=True, wc_trained=True)
                    | Q(wc_accepts_skill=True, wc_skilled=True),
                    then=Value(HOLDS),
                ),
                When(wc_deadline__gte=on_date, then=Value(WITHIN_GRACE)),
                default=Value(PAST_GRACE),
                output_field=CharField(),
            )
        )
    )


def work_certificate_counts(
    employments, *, on_date: dt.date | None = None, region_codes: set[str] | None = None
) -> dict[str, int]:
    """How many of `employments` are within / past the grace period or hold a certificate
    (one grouped query; `region_codes` as in work_certificate_rows)."""
    counts = dict.fromkeys(LISTED_STATUSES, 0)
    rows = (
        work_certificate_rows(employments, on_date=on_date, region_codes=region_codes)
        .order_by()
        .values("wc_status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["wc_status"]] = row["n"]
    return counts


def work_certificate_list(employments, *, role: str = "", status: str = "", on_date=None):
    """The list page's rows: past the grace period first, then by deadline."""
    rows = work_certificate_rows(employments, on_date=on_date)
    if role:
        rows = rows.filter(role=role)
    if status:
        rows = rows.filter(wc_status=status)
    return rows.select_related("person", "institution").order_by(
        Case(
            When(wc_status=PAST_GRACE, then=Value(0)),
            When(wc_status=WITHIN_GRACE, then=Value(1)),
            default=Value(2),
        ),
        "wc_deadline",
        "id",
    )


def institution_work_certificate_counts(institution) -> dict[str, int]:
    """The institution dashboard's 持证上岗 counts."""
    return work_certificate_counts(
        Employment.objects.filter(institution=institution, end_date__isnull=True)
    )


def region_work_certificate_counts(region) -> dict[str, int]:
    """The regulator dashboard's 持证上岗 counts for the region's subtree. The subtree's region
    codes are read from the (small) region table, not collected from every employment."""
    codes = set(Region.objects.filter(path__startswith=region.path).values_list("code", flat=True))
    return work_certificate_counts(
        Employment.objects.filter(institution__region_id__in=codes, end_date__isnull=True),
        region_codes=codes,
    )
