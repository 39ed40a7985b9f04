"""Demo step: an offline class at the Kunming training base with the demo worker enrolled, one
finished class with attendance credited (D-10) and a practical result (D-16). Idempotent."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from certification.models import (
    Accreditation,
    AssessmentResult,
    Person,
    StaffMembership,
    StaffRole,
)
from certification.models.assessments import AssessmentKind
from certification.services.assessments import assessment_record
from certification.services.bans import PersonBanned
from cms.demo import demo_step
from cms.models.pages import CoursePage
from lms.models import ClassEnrolment, ClassSession
from lms.services import offline


@demo_step(40, "offline classes")
def load_offline_demo(log) -> None:
    membership = (
        StaffMembership.objects.filter(
            user__email="base@demo.carecert.cn", role=StaffRole.BASE_STAFF
        )
        .select_related("user", "organisation")
        .first()
    )
    if membership is None:
        log("offline classes: skipped (needs the base account)")
        return
    staff, base = membership.user, membership.organisation
    today = timezone.localdate()
    # A base credits hours only for a course it is accredited for on the class date (D-10).
    course = (
        CoursePage.objects.live()
        .filter(
            accreditations__training_base=base,
            accreditations__valid_from__lte=today - dt.timedelta(days=2),
            accreditations__valid_to__gte=today + dt.timedelta(days=7),
        )
        .order_by("pk")
        .first()
    )
    if course is None:
        course = CoursePage.objects.live().order_by("pk").first()
        if course is None:
            log("offline classes: skipped (needs a course)")
            return
        accreditation = Accreditation.objects.create(
            training_base=base,
            valid_from=today - dt.timedelta(days=30),
            valid_to=today + dt.timedelta(days=730),
            document_number="演示-2026-02",
        )
        accreditation.courses.add(course)
    learners = list(Person.objects.filter(user__email="worker@demo.carecert.cn"))
    learners += list(Person.objects.filter(user__isnull=True).order_by("pk")[:3])
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    plans = [
        ("【演示】婴幼儿照护实操（已结课）", now - dt.timedelta(days=2), True),
        ("【演示】婴幼儿回应性照护实操（下周）", now + dt.timedelta(days=7), False),
    ]
    for title, start, finished in plans:
        session = ClassSession.objects.filter(title=title, training_base=base).first()
        if session is None:
            session = offline.class_session_create(
                actor=staff,
                training_base=base,
                course=course,
                title=title,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                hours=Decimal("3.0"),
                hour_kind="practice",
                capacity=30,
                place="基地实训室 A101",
                instructors="李老师、王老师",
            )
        for person in learners:
            if not ClassEnrolment.objects.filter(session=session, person=person).exists():
                try:
                    offline.class_enrol(actor=staff, session=session, person=person)
                except PersonBanned:
                    log(f"offline classes: person {person.pk} refused by the ban check")
        if finished and session.status == ClassSession.Status.SCHEDULED:
            for person in learners:
                if not ClassEnrolment.objects.filter(session=session, person=person).exists():
                    continue
                offline.attendance_mark(actor=staff, session=session, person=person, present=True)
            offline.class_session_finalise(actor=staff, session=session)
            if (
                learners
                and not AssessmentResult.objects.filter(
                    person=learners[0], course=course, kind=AssessmentKind.PRACTICAL
                ).exists()
            ):
                assessment_record(
                    actor=staff,
                    person=learners[0],
                    course=course,
                    training_base=base,
                    kind=AssessmentKind.PRACTICAL,
                    score=Decimal("90"),
                    passed=True,
                    assessed_on=timezone.localdate(),
                )
    log(f"offline classes: {ClassSession.objects.filter(training_base=base).count()}")
