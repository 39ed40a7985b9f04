"""Demo step: a few learners part-way through the three demo courses (D-9, D-16). Their lesson
time is written as measured active time and credited through the crediting rules and the hours
service; quizzes are taken through the quiz service (a pass may report the course's theory
assessment). The demo worker's and director's "My learning" show progress. Idempotent: a lesson
a learner already has progress on is left alone."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from certification.models import Person
from certification.selectors.rules import learning_policy_for
from certification.services.bans import PersonBanned
from cms.choices import WorkerRole
from cms.demo import demo_step
from cms.models import CoursePage, LessonPage
from lms.models import Enrolment, LessonDay, LessonProgress
from lms.services import online


@transaction.atomic
def _credit_recorded_time(*, actor, person, lesson) -> None:
    """D-9 for seeded learners: credit the active time the demo wrote straight into
    LessonProgress, through the heartbeat's own crediting (completion rule, caps)."""
    Person.objects.select_for_update().filter(pk=person.pk).first()
    progress = LessonProgress.objects.select_for_update().get(person=person, lesson=lesson)
    policy = learning_policy_for(person.region, timezone.localdate())
    online._credit_progress(progress=progress, lesson=lesson, policy=policy, actor=actor)


WORKER, DIRECTOR = "worker@demo.carecert.cn", "director@demo.carecert.cn"
# learner → [(course code, [(lesson number, active minutes, quiz attempts, days ago)])]
PLANS = {
    WORKER: [
        ("CARE-01", [(1, 50, ["fail", "pass"], 4), (2, 47, [], 3), (3, 20, ["fail"], 1)]),
        ("CE-01", [(1, 15, [], 1)]),
    ],
    DIRECTOR: [("DIR-01", [(1, 48, ["pass"], 5)])],
    "caregiver-1": [("CARE-01", [(1, 46, ["pass"], 2)])],
    "caregiver-2": [("CE-01", [(1, 45, ["pass"], 3), (2, 46, [], 2)])],
}


def _learners() -> dict[str, Person]:
    learners = {key: Person.objects.filter(user__email=key).first() for key in (WORKER, DIRECTOR)}
    caregivers = (
        Person.objects.filter(user__isnull=True, employments__role=WorkerRole.CAREGIVER)
        .order_by("pk")
        .distinct()[:2]
    )
    for i, person in enumerate(caregivers, start=1):
        learners[f"caregiver-{i}"] = person
    return {key: person for key, person in learners.items() if person is not None}


def _answers(lesson, passing: bool) -> dict:
    questions = online.quiz_block(lesson)["questions"]
    answers = {}
    for i, question in enumerate(questions):
        right = sorted(online._correct_set(question))
        wrong = [n for n in range(1, len(question["choices"]) + 1) if n not in right][:1]
        answers[str(i)] = right if passing else wrong
    return answers


def _learn(*, person, lesson, minutes: int, attempts: list[str], days_ago: int) -> None:
    actor = person.user
    progress = LessonProgress.objects.create(
        person=person, lesson=lesson, active_seconds=minutes * 60
    )
    LessonDay.objects.create(
        progress=progress,
        active_seconds=minutes * 60,
        date=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    _credit_recorded_time(actor=actor, person=person, lesson=lesson)
    for outcome in attempts:
        attempt = online.quiz_attempt_start(person=person, lesson=lesson)
        online.quiz_attempt_submit(
            actor=actor,
            attempt_id=attempt.pk,
            person=person,
            answers=_answers(lesson, outcome == "pass"),
        )


@demo_step(35, "online learners")
def load_online_learners(log) -> None:
    learners = _learners()
    courses = {c.code: c for c in CoursePage.objects.live()}
    started = 0
    for key, plans in PLANS.items():
        person = learners.get(key)
        if person is None:
            continue
        for code, lessons in plans:
            course = courses.get(code)
            if course is None:
                continue
            if not Enrolment.objects.filter(person=person, course=course).exists():
                try:
                    online.enrolment_create(actor=person.user, person=person, course=course)
                except PersonBanned:
                    log(f"online learners: person {person.pk} refused by the ban check")
                    continue
            for number, minutes, attempts, days_ago in lessons:
                lesson = LessonPage.objects.child_of(course).filter(slug=f"lesson-{number}").first()
                if (
                    lesson is None
                    or LessonProgress.objects.filter(person=person, lesson=lesson).exists()
                ):
                    continue
                _learn(
                    person=person,
                    lesson=lesson,
                    minutes=minutes,
                    attempts=attempts,
                    days_ago=days_ago,
                )
                started += 1
    log(
        f"online learners: {len(learners)} learners, {started} lessons recorded now, "
        f"{LessonProgress.objects.count()} in all"
    )
