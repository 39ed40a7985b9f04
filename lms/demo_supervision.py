"""Demo step (D-39): the Kunming training base has one finished class whose five learners were
all present and all scored exactly the same, so the province regulator's 培训基地监管 page shows a
flagged class. Idempotent."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from certification.models import AssessmentResult, Person, StaffMembership, StaffRole
from certification.models.assessments import AssessmentKind
from certification.rules.supervision import MIN_LEARNERS
from certification.services.assessments import assessment_record
from certification.services.bans import PersonBanned
from cms.demo import demo_step
from lms.models import ClassEnrolment, ClassSession
from lms.services import offline

TITLE = "【演示】保育实操强化班（成绩雷同）"


@demo_step(45, "training-base supervision")
def load_supervision_demo(log) -> None:
    membership = (
        StaffMembership.objects.filter(
            user__email="base@demo.carecert.cn", role=StaffRole.BASE_STAFF
        )
        .select_related("user", "organisation")
        .first()
    )
    if membership is None:
        log("supervision: skipped (needs the base account)")
        return
    earlier = ClassSession.objects.filter(training_base=membership.organisation).first()
    if earlier is None:
        log("supervision: skipped (needs the base's offline class)")
        return
    staff, base, course = membership.user, membership.organisation, earlier.course
    session = ClassSession.objects.filter(title=TITLE, training_base=base).first()
    if session is None:
        start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=5)
        session = offline.class_session_create(
            actor=staff,
            training_base=base,
            course=course,
            title=TITLE,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            hours=Decimal("3.0"),
            hour_kind="practice",
            capacity=30,
            place="基地实训室 B203",
            instructors="赵老师",
        )
    province = base.region.path.split("/")[0] + "/"
    learners = list(
        Person.objects.filter(user__isnull=True, region__path__startswith=province).order_by("-pk")[
            :MIN_LEARNERS
        ]
    )
    for person in learners:
        if not ClassEnrolment.objects.filter(session=session, person=person).exists():
            try:
                offline.class_enrol(actor=staff, session=session, person=person)
            except PersonBanned:
                continue
    if session.status == ClassSession.Status.SCHEDULED:
        for enrolment in session.enrolments.select_related("person"):
            offline.attendance_mark(
                actor=staff, session=session, person=enrolment.person, present=True
            )
        offline.class_session_finalise(actor=staff, session=session)
    for enrolment in session.enrolments.select_related("person"):
        if not AssessmentResult.objects.filter(
            person=enrolment.person, course=course, training_base=base, score=Decimal("95")
        ).exists():
            assessment_record(
                actor=staff,
                person=enrolment.person,
                course=course,
                training_base=base,
                kind=AssessmentKind.PRACTICAL,
                score=Decimal("95"),
                passed=True,
                assessed_on=timezone.localdate(session.starts_at),
            )
    log(f"supervision: flagged demo class with {session.enrolments.count()} learners")
