"""Quiz passes are reported to certification as the course's theory assessment (D-16, D-17)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from certification.models import AssessmentResult
from certification.services.certificates import training_eligibility
from cms.models import CoursePage, LessonPage
from lms.services.online import quiz_attempt_start, quiz_attempt_submit
from tests.lms.content import lesson

pytestmark = pytest.mark.django_db
RIGHT = {"0": [1], "1": [1]}
WRONG = {"0": [2], "1": [2]}
THEORY_REFUSAL = "理论考试未通过。"


def take(person, user, les, answers):
    attempt = quiz_attempt_start(person=person, lesson=les)
    return quiz_attempt_submit(actor=user, attempt_id=attempt.pk, person=person, answers=answers)


def theory(person, course):  # noqa: F811
    return AssessmentResult.objects.filter(person=person, course=course, kind="theory")


def refusals(cast, orgs, course):  # noqa: F811
    return training_eligibility(
        person=cast.worker, course=course, training_base=orgs.base, issue_date=timezone.localdate()
    )


def test_passing_the_course_quiz_records_one_passing_theory_result(cast, orgs, course):  # noqa: F811
    les = lesson(course, "l1", nominal="1", quiz=True)
    assert THEORY_REFUSAL in refusals(cast, orgs, course)
    take(cast.worker, cast.worker_user, les, RIGHT)
    result = theory(cast.worker, course).get()
    assert result.passed and result.score == 100 and result.assessed_on == timezone.localdate()
    assert result.recorded_by == cast.worker_user and result.training_base is None
    assert THEORY_REFUSAL not in refusals(cast, orgs, course)


def test_a_second_pass_or_a_resubmission_reports_nothing_more(cast, course):  # noqa: F811
    les = lesson(course, "l1", nominal="1", quiz=True)
    first = take(cast.worker, cast.worker_user, les, RIGHT)
    take(cast.worker, cast.worker_user, les, RIGHT)
    with pytest.raises(ValidationError):
        quiz_attempt_submit(
            actor=cast.worker_user, attempt_id=first.pk, person=cast.worker, answers=RIGHT
        )
    assert theory(cast.worker, course).count() == 1


def test_a_failed_attempt_records_no_pass(cast, orgs, course):  # noqa: F811
    les = lesson(course, "l1", nominal="1", quiz=True)
    attempt = take(cast.worker, cast.worker_user, les, WRONG)
    assert not attempt.passed
    assert not theory(cast.worker, course).filter(passed=True).exists()
    assert THEORY_REFUSAL in refusals(cast, orgs, course)


def test_every_quiz_of_the_course_must_be_passed(cast, course):  # noqa: F811
    first = lesson(course, "l1", nominal="1", quiz=True)
    second = lesson(course, "l2", nominal="1", quiz=True)
    lesson(course, "l3", nominal="1")  # no quiz: not part of the theory test
    take(cast.worker, cast.worker_user, first, RIGHT)
    assert not theory(cast.worker, course).exists()
    take(cast.worker, cast.worker_user, second, {"0": [1], "1": [2]})  # 50 < 60: fails
    assert not theory(cast.worker, course).exists()
    take(cast.worker, cast.worker_user, second, RIGHT)
    assert theory(cast.worker, course).get().score == 100


def test_the_course_pass_mark_applies_to_the_average_best_score(cast, course):  # noqa: F811
    CoursePage.objects.filter(pk=course.pk).update(pass_mark=80)
    question = {
        "question": "婴儿应仰卧睡眠吗？",
        "choices": ["是", "否"],
        "correct": "1",
        "explanation": "",
    }
    les = LessonPage(
        title="三题",
        slug="three",
        nominal_hours=Decimal("1"),
        body=[("quiz", {"title": "测验", "pass_mark": 60, "questions": [question] * 3})],
    )
    course.add_child(instance=les)
    assert take(cast.worker, cast.worker_user, les, {"0": [1], "1": [1], "2": [2]}).passed  # 67
    assert not theory(cast.worker, course).exists()  # 67 < 80
    take(cast.worker, cast.worker_user, les, {"0": [1], "1": [1], "2": [1]})
    assert theory(cast.worker, course).get().score == 100


def test_a_course_without_a_theory_test_reports_nothing(cast, course):  # noqa: F811
    CoursePage.objects.filter(pk=course.pk).update(has_theory_test=False)
    les = lesson(course, "l1", nominal="1", quiz=True)
    take(cast.worker, cast.worker_user, les, RIGHT)
    assert not theory(cast.worker, course).exists()
