"""Read-side queries for subsidies: gather the facts the pure rules need (D-27, D-28)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from certification.models import Certificate, Employment, Person
from certification.models.subsidies import (
    ApplicationStatus,
    Objection,
    PaymentBatch,
    SubsidyApplication,
    SubsidyPolicy,
    SubsidyStandard,
    SubsidyType,
    UrgentOccupation,
)
from certification.rules import subsidies as rules
from certification.selectors.bans import bans_in_force
from certification.selectors.calendar import calendar_exceptions, calendar_exceptions_for_span


def _in_force(qs, *, region, on: dt.date):
    """Rows in force on `on` for `region` or its ancestors (or national), most specific first."""
    codes = [c for c in (region.path.strip("/").split("/") if region else []) if c]
    qs = qs.filter(Q(region__isnull=True) | Q(region_id__in=codes), effective_from__lte=on)
    qs = qs.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
    return sorted(
        qs, key=lambda r: (len(r.region.path) if r.region_id else 0, r.effective_from), reverse=True
    )


def _limits(row: SubsidyPolicy | None) -> rules.PolicyLimits:
    if row is None:
        return rules.PolicyLimits()
    return rules.PolicyLimits(
        **{f: getattr(row, f) for f in rules.PolicyLimits.__dataclass_fields__}
    )


def policy_for(*, region, on: dt.date) -> rules.PolicyLimits:
    rows = _in_force(SubsidyPolicy.objects.select_related("region"), region=region, on=on)
    return _limits(rows[0] if rows else None)


def _policy_in_force(rows: list[SubsidyPolicy], *, region, on: dt.date) -> rules.PolicyLimits:
    """policy_for over rows already loaded (same choice as _in_force, without a query)."""
    codes = {c for c in (region.path.strip("/").split("/") if region else []) if c}
    live = [
        r
        for r in rows
        if (r.region_id is None or r.region_id in codes)
        and r.effective_from <= on
        and (r.effective_to is None or r.effective_to >= on)
    ]
    live.sort(
        key=lambda r: (len(r.region.path) if r.region_id else 0, r.effective_from), reverse=True
    )
    return _limits(live[0] if live else None)


def policy_row_for(*, region, on: dt.date) -> SubsidyPolicy | None:
    rows = _in_force(SubsidyPolicy.objects.select_related("region"), region=region, on=on)
    return rows[0] if rows else None


def amount_for(
    *, region, subsidy_type: str, occupation: str, level: int | None, on: dt.date
) -> Decimal | None:
    """D-28: the most specific standard in force (exact level preferred over level-less), plus
    the uplift of the most specific urgent-occupation row, if the level qualifies."""
    rows = _in_force(
        SubsidyStandard.objects.select_related("region")
        .filter(subsidy_type=subsidy_type)
        .filter(Q(level=level) | Q(level__isnull=True)),
        region=region,
        on=on,
    )
    if not rows:
        return None
    rows.sort(
        key=lambda r: (len(r.region.path) if r.region_id else 0, r.level is not None), reverse=True
    )
    urgent = (
        _in_force(
            UrgentOccupation.objects.select_related("region").filter(occupation=occupation),
            region=region,
            on=on,
        )
        if occupation
        else []
    )
    uplift = None
    if urgent and rules.uplift_applies(level=level, max_level_number=urgent[0].max_level_number):
        uplift = urgent[0].uplift_percent
    return rules.compute_amount(base=rows[0].amount, uplift_percent=uplift)


def current_employment(person: Person, on: dt.date) -> Employment | None:
    return (
        Employment.objects.select_related("institution__region")
        .filter(person=person, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-start_date")
        .first()
    )


def application_region(person: Person, on: dt.date):
    emp = current_employment(person, on)
    return emp.institution.region if emp else person.region


def eligibility_facts(
    *,
    person: Person,
    certificate: Certificate,
    subsidy_type: str,
    on: dt.date,
    exclude_application_id: int | None = None,
) -> rules.EligibilityFacts:

    emp = current_employment(person, on)
    region = emp.institution.region if emp else person.region
    prior_qs = (
        SubsidyApplication.objects.filter(person=person)
        .exclude(pk=exclude_application_id)
        .select_related("certificate")
    )
    prior = tuple(
        rules.PriorApplication(
            certificate_id=a.certificate_id,
            subsidy_type=a.subsidy_type,
            occupation=a.certificate.occupation,
            level=a.certificate.level,
            status=a.status,
            year=(a.submitted_at or a.created_at).year,
        )
        for a in prior_qs
    )
    return rules.EligibilityFacts(
        subsidy_type=subsidy_type,
        apply_date=on,
        certificate_id=certificate.pk,
        certificate_kind=certificate.kind,
        certificate_valid=certificate.status == Certificate.Status.VALID,
        occupation=certificate.occupation,
        level=certificate.level,
        issue_date=certificate.issue_date,
        banned=bans_in_force().filter(id_index=person.id_index).exists(),
        employed=emp is not None,
        employer_filed=bool(emp and emp.institution.is_filed),
        has_labour_contract=bool(emp and emp.has_labour_contract),
        ui_contribution_months=emp.ui_contribution_months if emp else 0,
        gender=person.gender,
        birth_date=person.birth_date,
        prior=prior,
        policy=policy_for(region=region, on=on),
    )


def eligibility_matrix(*, person: Person, on: dt.date) -> list[dict]:
    """Per certificate and subsidy type: the checks, eligible or not, and the amount."""
    out = []
    for cert in person.certificates.order_by("-issue_date"):
        for stype, label in rules_types():
            checks = rules.evaluate(
                eligibility_facts(person=person, certificate=cert, subsidy_type=stype, on=on)
            )
            out.append(
                {
                    "certificate": cert,
                    "subsidy_type": stype,
                    "label": label,
                    "checks": checks,
                    "failed": [c for c in checks if not c.passed],
                    "eligible": all(c.passed for c in checks),
                    "amount": amount_for(
                        region=application_region(person, on),
                        subsidy_type=stype,
                        occupation=cert.occupation,
                        level=cert.level,
                        on=on,
                    ),
                }
            )
    return out


def rules_types():

    return SubsidyType.choices


def review_queue(*, scope) -> list[SubsidyApplication]:
    return list(
        SubsidyApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
        .filter(scope.region_q("region__path", "hr_reviewer"))
        .select_related("person", "certificate", "institution", "region")
        .order_by("submitted_at", "id")
    )


def review_queue_rows(*, scope, today: dt.date) -> list[dict]:
    """The review queue with, per application, the working days elapsed and the review target of
    the policy in force for the application's region on the day it was submitted (D-29)."""

    policy_rows = list(SubsidyPolicy.objects.select_related("region"))  # a small rule table
    apps = list(review_queue(scope=scope))
    first = min((timezone.localdate(a.submitted_at) for a in apps), default=today)
    calendar = calendar_exceptions(first, today)
    rows = []
    for app in apps:
        submitted_on = timezone.localdate(app.submitted_at)
        target = _policy_in_force(
            policy_rows, region=app.region, on=submitted_on
        ).review_target_working_days
        rows.append(
            {
                "app": app,
                "elapsed": rules.working_days_between(submitted_on, today, calendar),
                "target": target,
                "overdue": rules.review_overdue(
                    submitted_on=submitted_on,
                    today=today,
                    target_working_days=target,
                    exceptions=calendar,
                ),
            }
        )
    return rows


def notice_end_for(*, region, start: dt.date) -> dt.date:
    """The last day of a public notice that starts on `start`: the region's SubsidyPolicy
    notice_working_days (5 without a policy) counted in working days. The ONE place this is
    computed; holidays and 调休 days follow the working-day calendar (D-35)."""
    row = policy_row_for(region=region, on=start)
    days = row.notice_working_days if row else rules.PolicyLimits().notice_working_days
    return rules.add_working_days(start, days, calendar_exceptions_for_span(start, days))


def final_approval_rows(*, scope, today: dt.date) -> list[dict]:
    """HR's final-approval list: applications whose notice has ended, with open objections."""
    apps = (
        SubsidyApplication.objects.filter(status=ApplicationStatus.NOTICE, notice_end__lt=today)
        .filter(scope.region_q("region__path", "hr_reviewer"))
        .select_related("person", "certificate", "institution", "region")
        .annotate(
            open_objections=models.Count(
                "objections", filter=models.Q(objections__resolved_at__isnull=True)
            )
        )
        .order_by("notice_end", "id")
    )
    return list(apps)


def notice_rows_for_hr(*, scope) -> list[SubsidyApplication]:
    """Applications still under notice in HR's regions (so they never vanish from HR's pages)."""
    return list(
        SubsidyApplication.objects.filter(status=ApplicationStatus.NOTICE)
        .filter(scope.region_q("region__path", "hr_reviewer"))
        .select_related("person")
        .annotate(
            open_objections=models.Count(
                "objections", filter=models.Q(objections__resolved_at__isnull=True)
            )
        )
        .order_by("notice_end", "id")
    )


def objections_for_hr(*, scope, open_only: bool = False):

    qs = Objection.objects.filter(scope.region_q("application__region__path", "hr_reviewer"))
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return list(
        qs.select_related("application__person", "resolved_by").order_by(
            models.F("resolved_at").asc(nulls_first=True), "filed_at"
        )
    )


def batchable_applications(*, region, actor):
    """Approved applications in `region` (and below) that `actor` did not review (D-29)."""
    return (
        SubsidyApplication.objects.filter(
            status=ApplicationStatus.APPROVED, region__path__startswith=region.path
        )
        .exclude(reviewer=actor)
        .order_by("approved_at", "id")
    )


def batches_for(*, scope):

    return (
        PaymentBatch.objects.filter(scope.region_q("region__path", "hr_payment"))
        .select_related("region")
        .annotate(
            live_lines=models.Count("lines", filter=models.Q(lines__voided_at__isnull=True)),
            total=models.Sum("lines__amount", filter=models.Q(lines__voided_at__isnull=True)),
        )
    )


def batch_total(batch) -> Decimal:
    total = batch.lines.filter(voided_at__isnull=True).aggregate(t=models.Sum("amount"))["t"]
    return total or Decimal("0")


def under_notice():
    return (
        SubsidyApplication.objects.filter(status=ApplicationStatus.NOTICE)
        .select_related("person", "certificate", "institution")
        .order_by("notice_end", "id")
    )
