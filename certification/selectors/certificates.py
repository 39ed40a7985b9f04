"""Read-side queries for certificates (D-17…D-21)."""

from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum
from wagtail.models import Page

from certification.models import Certificate, HourEntry, Person
from certification.models.assessments import AssessmentResult
from certification.models.organisations import Accreditation
from certification.models.supervision import AccreditationDecision, AccreditationStatus
from certification.selectors.bans import banned_person_ids
from cms.models import CoursePage


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


def certificates_missing_pdf(*, issued_before, limit: int = 1000) -> list[int]:
    """Ids of the certificates we render (training, cycle statement) issued before
    `issued_before` that have no PDF yet, oldest first."""
    return list(
        Certificate.objects.filter(
            kind__in=[Certificate.Kind.TRAINING, Certificate.Kind.CYCLE_STATEMENT],
            status=Certificate.Status.VALID,
            pdf="",
            created_at__lt=issued_before,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


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


def certificate_public_by_code(code: str) -> Certificate | None:
    """The certificate a verification code names, with just what the API's verify answer shows
    (issue 18: the few columns it reads, and no ordering to compile for a unique code)."""
    try:
        return (
            Certificate.objects.select_related("person")
            .only("serial", "kind", "status", "issuer_name", "issue_date", "person__name")
            .get(verification_code=code)
        )
    except Certificate.DoesNotExist:
        return None


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a public verification code names, with what its verify page and its
    signed credential read (holder, issuer and their regions, course title and URL).

    One query, and no join of the course's Wagtail page (issue 18: building that wide
    multi-table join was half of the verify page's CPU): the course's title and URL path come
    from the page row by subquery and the course is a CoursePage holding just those (its other
    fields load on first access, like any deferred field)."""
    page = Page.objects.filter(pk=OuterRef("course_id")).order_by()
    try:
        cert = (
            Certificate.objects.select_related("person__region", "issuer__region")
            .annotate(
                course_title=Subquery(page.values("title")[:1]),
                course_url_path=Subquery(page.values("url_path")[:1]),
            )
            .get(verification_code=code)
        )
    except Certificate.DoesNotExist:
        return None
    if cert.course_id is not None:
        loaded = {
            "id": cert.course_id,
            "page_ptr_id": cert.course_id,
            "title": cert.course_title,
            "url_path": cert.course_url_path,
        }
        fields = [f.attname for f in CoursePage._meta.concrete_fields if f.attname in loaded]
        course = CoursePage.from_db(cert._state.db, fields, [loaded[f] for f in fields])
        Certificate.course.field.set_cached_value(cert, course)
    return cert
