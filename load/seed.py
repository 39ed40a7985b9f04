"""The load run's data, written once into its fresh database before the servers start (run in
the orchestrator's process, settings load.settings):

- an online course of short lessons without quizzes in a region whose learning policy counts
  one minute per 学时, so a learner completes a lesson and is credited within the run;
- LEARNERS caregivers with a login session each (no password round trip: the session a login
  would have made), employed at an institution, enrolled on the course;
- a certificate for each of them (the public verify page and the API's verify);
- a regulator API key for the province (compliance and verify);
- an offline class of BATCH people at a training base, each with the class's hours, ready for a
  certificate batch, and a base staff member (with a session) to start it from the page.

Returns the plan the locustfile and the checks read (written to var/load/plan.json)."""

import datetime as dt
import importlib
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.utils import timezone

from certification.api.auth import api_key_create
from certification.idnumbers import IdType
from certification.models import (
    Accreditation,
    ApiKey,
    Certificate,
    Employment,
    HourEntry,
    LearningPolicy,
    Organisation,
    Person,
    StaffMembership,
)
from certification.services.compliance import compliance_on_employment_change
from cms.choices import HourKind, WorkerRole
from cms.models import CourseIndexPage, CoursePage, LessonPage, User
from lms.demo import load_learning
from lms.models import ClassEnrolment, ClassSession, Enrolment
from tests.factories import OrganisationFactory, new_id_number
from tests.factories import region as make_region

PROVINCE, CITY = "530000", "530100"
MINUTES_PER_CLASS_HOUR = 1  # the load region's policy: a lesson completes within the run
LESSON_HOURS = Decimal("0.5")  # 30 s of active time per lesson
LESSONS = 12
DAILY_CAP = Decimal("24.0")  # above what a learner can earn in a run: no capped post
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _session_for(user) -> str:
    """The session a login would have created for `user`, in whatever store is configured."""
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _people(city, n: int, prefix: str, with_users: bool) -> list[Person]:
    people = []
    for i in range(n):
        birth = dt.date(1985, 1, 1) + dt.timedelta(days=i % 3000)
        person = Person(name=f"{prefix}{i}", region=city, birth_date=birth)
        person.set_id_number(IdType.RESIDENT, new_id_number(area="530102", birth=birth))
        people.append(person)
    if with_users:
        users = User.objects.bulk_create(
            [
                User(email=f"{prefix.lower()}{i}@load.carecert.test", display_name=p.name)
                for i, p in enumerate(people)
            ]
        )
        for person, user in zip(people, users, strict=True):
            person.user = user
    return Person.objects.bulk_create(people)


def _online_course() -> tuple[CoursePage, list[LessonPage]]:
    load_learning(lambda _msg: None)  # home page, catalogue (the demo's first content step)
    index = CourseIndexPage.objects.first()
    course = index.add_child(
        instance=CoursePage(
            title="负载测试在线课程",
            slug="load-online",
            code="LOAD-ONLINE",
            audience_roles=["all"],
            theory_hours=LESSON_HOURS * LESSONS,
            practice_hours=Decimal("0"),
            delivery="online",
            has_theory_test=False,
            has_practical_assessment=False,
        )
    )
    lessons = [
        course.add_child(
            instance=LessonPage(
                title=f"第{i}课",
                slug=f"lesson-{i}",
                nominal_hours=LESSON_HOURS,
                hour_kind=HourKind.THEORY,
                body=[("paragraph", f"<p>负载测试课时 {i}。</p>")],
            )
        )
        for i in range(1, LESSONS + 1)
    ]
    return course, lessons


def _offline_class(city, base, staff, n: int) -> tuple[CoursePage, list[int]]:
    index = CourseIndexPage.objects.first()
    course = index.add_child(
        instance=CoursePage(
            title="负载测试线下培训",
            slug="load-offline",
            code="LOAD-OFFLINE",
            audience_roles=["all"],
            theory_hours=Decimal("8"),
            practice_hours=Decimal("0"),
            delivery="offline",
            has_theory_test=False,
            has_practical_assessment=False,
        )
    )
    today = timezone.localdate()
    Accreditation.objects.create(
        training_base=base,
        valid_from=today - dt.timedelta(days=30),
        valid_to=today + dt.timedelta(days=365),
    ).courses.add(course)
    start = timezone.now() - dt.timedelta(hours=9)
    session = ClassSession.objects.create(
        training_base=base,
        course=course,
        title="负载测试班",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        hours=Decimal("8"),
        hour_kind=HourKind.THEORY,
        capacity=n,
        status=ClassSession.Status.FINALISED,
        created_by=staff,
    )
    people = _people(city, n, "学员", with_users=False)
    ClassEnrolment.objects.bulk_create(
        [ClassEnrolment(session=session, person=p, enrolled_by=staff) for p in people]
    )
    HourEntry.objects.bulk_create(
        [
            HourEntry(
                person=p,
                date=today,
                hours=Decimal("8"),
                kind=HourKind.THEORY,
                source="offline",
                course=course,
                training_base=base,
                evidence={"class_session": session.pk},
                recorded_by=staff,
            )
            for p in people
        ]
    )
    return course, [p.pk for p in people]


@transaction.atomic
def seed(*, learners: int, batch: int) -> dict:
    province = make_region(PROVINCE, "云南省")
    city = make_region(CITY, "昆明市", province)
    LearningPolicy.objects.create(
        region=city,
        minutes_per_class_hour=MINUTES_PER_CLASS_HOUR,
        daily_cap_hours=DAILY_CAP,
        programme_start=dt.date(2020, 1, 1),
        effective_from=dt.date(2020, 1, 1),
    )
    inst = OrganisationFactory(name="负载测试托育园", region=city)
    base = OrganisationFactory(
        name="负载测试培训基地", region=city, kind=Organisation.Kind.TRAINING_BASE
    )
    course, lessons = _online_course()
    people = _people(city, learners, "学习者", with_users=True)
    Employment.objects.bulk_create(
        [
            Employment(
                person=p,
                institution=inst,
                role=WorkerRole.CAREGIVER,
                start_date=dt.date(2024, 3, 1),
            )
            for p in people
        ]
    )
    Enrolment.objects.bulk_create([Enrolment(person=p, course=course) for p in people])
    for p in people:
        compliance_on_employment_change(person=p)
    certs = Certificate.objects.bulk_create(
        [
            Certificate(
                kind=Certificate.Kind.TRAINING,
                serial=f"LOAD-2026-{i:06d}",
                verification_code=secrets.token_urlsafe(32),
                person=p,
                course=course,
                issuer=base,
                issuer_name=base.name,
                region=city,
                hours=LESSON_HOURS * LESSONS,
                issue_date=timezone.localdate() - dt.timedelta(days=30),
            )
            for i, p in enumerate(people)
        ]
    )
    _key, secret = api_key_create(
        actor=None, name="负载测试监管系统", role=ApiKey.Role.REGULATOR, region=province
    )
    staff = User.objects.create(email="base@load.carecert.test", display_name="基地工作人员")
    StaffMembership.objects.create(user=staff, role="base_staff", organisation=base)
    offline, batch_people = _offline_class(city, base, staff, batch)
    lesson_urls = {lesson.pk: lesson.get_url() for lesson in lessons}
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "heartbeat_seconds": settings.LEARNING_HEARTBEAT_SECONDS,
        "lesson_hours": str(LESSON_HOURS),
        "minutes_per_class_hour": MINUTES_PER_CLASS_HOUR,
        "lessons": [{"id": pk, "url": url} for pk, url in lesson_urls.items()],
        "learners": [
            {"person": p.pk, "session": _session_for(p.user), "code": c.verification_code}
            for p, c in zip(people, certs, strict=True)
        ],
        "api_key": secret,
        "staff_session": _session_for(staff),
        "offline_course": offline.pk,
        "batch_people": batch_people,
        "online_course": course.pk,
    }
