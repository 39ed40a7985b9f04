"""Assessment results reported into the system of record (D-16, read by D-17)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from certification.audit import audit_record
from certification.models import AssessmentResult, Organisation, Person
from certification.models.assessments import AssessmentKind


@transaction.atomic
def assessment_record(
    *,
    actor,
    person: Person,
    course,
    training_base: Organisation | None,
    kind: str,
    score: Decimal | None,
    passed: bool,
    assessed_on: dt.date,
) -> AssessmentResult:
    """D-16: record one theory-test or practical-assessment outcome and audit it.

    Every attempt is kept (a later pass does not erase an earlier fail); the certificate rule
    (D-17) asks whether any passing result exists. Raises ValueError for an unknown kind.
    """
    if kind not in AssessmentKind.values:
        raise ValueError(f"unknown assessment kind {kind!r}")
    result = AssessmentResult.objects.create(
        person=person,
        course=course,
        training_base=training_base,
        kind=kind,
        score=score,
        passed=passed,
        assessed_on=assessed_on,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="assessment.record",
        obj=result,
        data={
            "person": person.pk,
            "course": course.pk,
            "kind": kind,
            "score": score,
            "passed": passed,
        },
        region_path=training_base.region.path if training_base is not None else "",
    )
    return result


def assessment_passed(*, person: Person, course, kind: str | None = None) -> bool:
    """D-17: whether the person has a passing result on the course (of `kind` if given)."""
    qs = AssessmentResult.objects.filter(person=person, course=course, passed=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.exists()
