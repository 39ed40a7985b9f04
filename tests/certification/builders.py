"""Builders shared by the certificate tests: an accredited-course page and the hours and
assessment results that make a person eligible (fixtures: tests/certification/conftest.py)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Page

from certification.models import HourEntry
from certification.models.assessments import AssessmentResult
from cms.models import CoursePage
from lms.models import ClassEnrolment, ClassSession
from tests.factories import AccreditationFactory

_n = iter(range(1, 10_000))


def make_course(**kw):
    n = next(_n)
    fields = {
        "title": f"托育从业人员培训{n}",
        "slug": f"cert-course-{n}",
        "code": f"CC-{n}",
        "theory_hours": Decimal("8"),
        "practice_hours": Decimal("4"),
        "has_theory_test": True,
        "has_practical_assessment": True,
        "audience_roles": ["all"],
    }
    fields.update(kw)
    return Page.get_first_root_node().add_child(instance=CoursePage(**fields))


def earn(person, course, base, theory="8", practice="4", passed=True):
    today = timezone.localdate()
    for kind, hours in (("theory", theory), ("practice", practice)):
        if Decimal(hours):
            HourEntry.objects.create(
                person=person,
                date=today,
                hours=Decimal(hours),
                kind=kind,
                source="offline",
                course=course,
                training_base=base,
            )
    for kind in ("theory", "practical"):
        AssessmentResult.objects.create(
            person=person,
            course=course,
            training_base=base,
            kind=kind,
            passed=passed,
            assessed_on=today,
        )


def accredited_course(base, **kw):
    """A certificate course (make_course) that `base` is accredited to teach."""
    course = make_course(**kw)
    AccreditationFactory(training_base=base).courses.add(course)
    return course


def base_learner(person, base, course):
    """`person` enrolled in a class of `base` for `course` (the D-34 relation that lets the base
    credit hours to them)."""
    start = timezone.now() - dt.timedelta(hours=3)
    session = ClassSession.objects.create(
        training_base=base,
        course=course,
        title="班次",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        hours=Decimal("2.0"),
        hour_kind="practice",
        capacity=30,
    )
    return ClassEnrolment.objects.create(session=session, person=person)
