import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.models import HourEntry, LearningPolicy
from certification.services.hours import hours_credit
from lms.models import Enrolment, LessonProgress
from tests.lms.content import lesson

pytestmark = pytest.mark.django_db


def test_worker_enrols_from_the_course_page_and_sees_it_on_my_learning(client, cast, course):  # noqa: F811
    les = lesson(course, "l1", nominal="1")
    client.force_login(cast.worker_user)
    assert client.get(course.url).status_code == 200
    client.post(reverse("lms:enrol", args=[course.pk]))
    assert Enrolment.objects.filter(person=cast.worker, course=course).exists()
    page = client.get(reverse("lms:my_learning"))
    assert course.title in page.content.decode()
    lesson_page = client.get(les.url)
    assert reverse("lms:heartbeat", args=[les.pk]) in lesson_page.content.decode()


def test_user_without_person_record_is_sent_to_claim(client, cast, course):  # noqa: F811
    client.force_login(cast.outsider)
    response = client.post(reverse("lms:enrol", args=[course.pk]))
    assert response.url == reverse("certification:claim")
    assert client.get(reverse("lms:my_learning")).url == reverse("certification:claim")


def test_heartbeats_over_http_accrue_time(client, cast, course):  # noqa: F811
    les = lesson(course, "l1", nominal="1")
    client.force_login(cast.worker_user)
    url = reverse("lms:heartbeat", args=[les.pk])
    body = client.post(
        url, json.dumps({"tab": "t1", "start": True}), content_type="application/json"
    ).json()
    assert body["active"] is True
    assert LessonProgress.objects.filter(person=cast.worker, lesson=les).exists()


def test_quiz_page_scores_and_pass_shows_hours_on_my_learning(client, cast, course):  # noqa: F811
    les = lesson(course, "l1", nominal="1", quiz=True)
    progress = LessonProgress.objects.create(person=cast.worker, lesson=les, active_seconds=120)
    from django.utils import timezone

    progress.days.create(date=timezone.localdate(), active_seconds=120)
    client.force_login(cast.worker_user)
    page = client.get(reverse("lms:quiz", args=[les.pk]))
    attempt = page.context["attempt"]
    result = client.post(
        reverse("lms:quiz", args=[les.pk]), {"attempt": attempt.pk, "q_0": "1", "q_1": "1"}
    )
    assert result.context["attempt"].passed
    assert HourEntry.objects.get(person=cast.worker).hours == Decimal("1")
    assert LearningPolicy.objects.count() >= 2
    assert "1.0" in client.get(reverse("lms:my_learning")).content.decode()


def test_my_learning_names_each_role_by_its_label(client, cast, course):  # noqa: F811
    client.force_login(cast.worker_user)
    page = client.get(reverse("lms:my_learning"))
    html = page.content.decode()
    assert [r["role"] for r in page.context["roles"]] == ["caregiver"]
    assert "<h3>保育人员 · " in html
    assert ">caregiver<" not in html


def test_my_learning_shows_where_she_stands_requirement_remaining_status_and_cycle(
    client, cast, orgs
):
    """Before: "已记 2.40000000000000 学时", no requirement, no status, nothing remaining."""
    hours_credit(
        person=cast.worker,
        date=timezone.localdate(),
        hours=Decimal("2.4"),
        kind="practice",
        source="offline",
        training_base=orgs.base,
    )
    client.force_login(cast.worker_user)
    body = client.get(reverse("lms:my_learning")).content.decode()

    assert 'class="required-hours">120.0' in body
    assert 'class="practice-hours">2.4<' in body
    assert 'class="remaining-hours">117.6<' in body
    assert "进度落后" in body or "未达标" in body or "进行中" in body
    assert "第 1 周期" in body
    assert "2.40000" not in body
