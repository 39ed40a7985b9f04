"""Read-side queries for certificates (D-17…D-21)."""

from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum

from certification.models import Certificate, HourEntry, Person
from certification.models.assessments import AssessmentResult
from certification.models.organisations import Accreditation
from certification.models.supervision import AccreditationDecision, AccreditationStatus
from certification.selectors.bans import banned_person_ids


def hours_earned_for_course(*, person, course) -> tuple[Decimal, Decimal]:
    """D-17: (theory, practice) hours earned from the ledger entries of this course."""
    rows = (
        HourEntry.objects.filter(person=person, course=course)
        .values("kind")
        .annotate(total=Sum("hours"))
    )
    totals = {r["kind"]: r["total"] or Decimal("0") for r in rows}
    return totals.get("theory", Decimal("0")), totals.get("practice", Decimal("0"))


def assessment_passed(*, person, course, kind: str) -> bool:
    """Whether a passing theory/practical result is recorded (certification.AssessmentResult)."""

    return AssessmentResult.objects.filter(
        person=person, course=course, kind=kind, passed=True
    ).exists()


def accreditation_windows(*, training_base, course):
    """(valid_from, valid_to) of the base's accreditations for the course still in force: a
    suspended or withdrawn one certifies nothing (D-39)."""
    return tuple(
        Accreditation.objects.filter(
            training_base=training_base, courses=course, status=AccreditationStatus.ACTIVE
        ).values_list("valid_from", "valid_to")
    )


def accreditation_stops(*, training_base, course) -> tuple[str, ...]:
    """D-39: decision numbers of the regulators' suspensions or withdrawals of the base's
    accreditations for the course (the latest decision of each stopped accreditation)."""
    stopped = Accreditation.objects.filter(training_base=training_base, courses=course).exclude(
        status=AccreditationStatus.ACTIVE
    )
    latest = (
        AccreditationDecision.objects.filter(
            accreditation=OuterRef("pk"), to_status=OuterRef("status")
        )
        .order_by("-decided_on", "-pk")
        .values("decision_number")[:1]
    )
    return tuple(
        number or ""
        for number in stopped.annotate(number=Subquery(latest)).values_list("number", flat=True)
    )


def has_valid_training_certificate(*, person_id: int, course_id: int) -> bool:
    return Certificate.objects.filter(
        person_id=person_id,
        course_id=course_id,
        kind=Certificate.Kind.TRAINING,
        status=Certificate.Status.VALID,
    ).exists()


def certificates_of_holder(user):
    return (
        Certificate.objects.filter(person__user=user)
        .select_related("course", "issuer")
        .order_by("-issue_date", "-id")
    )


def certificate_by_serial_and_name(*, serial: str, name: str) -> Certificate | None:
    """The certificate with this number whose holder has exactly this name. Both must match,
    so a run of sequential numbers reveals nothing without the holders' names."""
    return (
        Certificate.objects.filter(serial__iexact=serial.strip(), person__name=name.strip())
        .only("verification_code")
        .first()
    )


def certificates_of_person(person):
    return (
        Certificate.objects.filter(person=person)
        .select_related("course", "issuer")
        .order_by("-issue_date", "-id")
    )


def certificates_issued_by(org_ids):
    return (
        Certificate.objects.filter(issuer_id__in=list(org_ids))
        .select_related("person", "course")
        .order_by("-issue_date", "-id")
    )


def batch_candidates(*, training_base, course):
    """People with hours or assessments at this base for this course (batch issue form),
    except those who already hold a valid training certificate for it (nothing to issue) and
    those a ban in force names (D-25: the gate would refuse)."""

    ids = set(
        HourEntry.objects.filter(training_base=training_base, course=course).values_list(
            "person_id", flat=True
        )
    )
    ids |= set(
        AssessmentResult.objects.filter(training_base=training_base, course=course).values_list(
            "person_id", flat=True
        )
    )
    ids -= set(
        Certificate.objects.filter(
            person_id__in=ids,
            course=course,
            kind=Certificate.Kind.TRAINING,
            status=Certificate.Status.VALID,
        ).values_list("person_id", flat=True)
    )
    ids -= banned_person_ids(ids)
    return Person.objects.filter(Q(pk__in=ids)).order_by("name")


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a public verification code names, with what its verify page and its
    signed credential read (holder, issuer and their regions, course)."""
    return (
        Certificate.objects.select_related("person__region", "issuer__region", "course")
        .filter(verification_code=code)
        .first()
    )
