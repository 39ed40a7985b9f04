"""Issue 13: the API holes, each written as the attack a hostile key holder would try."""

import datetime as dt

import pytest
from django.utils import timezone

from certification.models import AuditEvent, Certificate, Employment, HourEntry, Person
from tests.certification.builders import accredited_course, base_learner, earn, make_course
from tests.factories import new_id_number

pytestmark = pytest.mark.django_db


def _hire(api, key, number, name, role="caregiver"):
    return api.post(
        key,
        "/employments",
        {"id_number": number, "name": name, "role": role, "start_date": "2026-03-01"},
    )


def test_an_id_number_alone_does_not_hire_someone_registered_elsewhere(api, cast):
    """A Lanzhou institution key guesses a Kunming caregiver's ID number but not her name."""
    response = _hire(api, "other_inst", cast.worker.reveal_id_number(), "随便填")

    assert response.status_code == 422
    assert "王保育" not in response.content.decode()
    assert not Employment.objects.filter(
        person=cast.worker, institution__name="兰州市七彩托育园"
    ).exists()


def test_a_repeated_hire_returns_the_active_employment_instead_of_a_second_one(api, orgs):
    number = new_id_number()
    first = _hire(api, "inst", number, "周新人")
    again = _hire(api, "inst", number, "周新人")

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    person = Person.objects.get(name="周新人")
    assert Employment.objects.filter(person=person, end_date__isnull=True).count() == 1


def test_hiring_an_unregistered_person_registers_them_like_the_hiring_page(api, orgs):
    response = _hire(api, "inst", new_id_number(), "吴首聘")

    assert response.status_code == 201
    person = Person.objects.get(name="吴首聘")
    assert person.region == orgs.institution.region


def test_a_wrong_name_for_a_registered_id_is_a_name_field_error_as_on_the_hiring_page(api, cast):
    registered = _hire(api, "other_inst", cast.worker.reveal_id_number(), "冒名者")
    assert registered.status_code == 422
    assert registered.json()["errors"][0]["field"] == "name"


def test_verifying_by_code_masks_the_holder_s_name_like_the_public_page(api, cast, orgs):
    course = accredited_course(orgs.base)
    earn(cast.worker, course, orgs.base)
    issued = api.post(
        "base", "/certificates", {"person_id": cast.worker.pk, "course_id": course.pk}
    )
    code = Certificate.objects.get(serial=issued.json()["serial"]).verification_code

    verified = api.get("other_inst", f"/certificates/verify/{code}")

    assert verified.status_code == 200
    assert verified.json()["holder_name"] == "王*育"
    assert "王保育" not in verified.content.decode()


def test_two_hires_of_the_same_person_in_different_roles_are_both_kept(api, orgs):
    number = new_id_number()
    assert _hire(api, "inst", number, "郑双岗").status_code == 201
    assert _hire(api, "inst", number, "郑双岗", role="director").status_code == 201
    assert Employment.objects.filter(person__name="郑双岗").count() == 2
    assert dt.date(2026, 3, 1) in set(
        Employment.objects.filter(person__name="郑双岗").values_list("start_date", flat=True)
    )


def test_a_key_guessing_id_numbers_is_slowed_down_with_429_and_an_audit_row(api, settings, cast):
    settings.API_RATE_BAN_CHECK = "3/min"
    answers = [
        api.post("inst", "/ban-checks", {"id_number": new_id_number(), "name": "猜测"}).status_code
        for _ in range(5)
    ]
    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]
    last = api.post("inst", "/ban-checks", {"id_number": new_id_number(), "name": "猜测"})
    assert last.json()["code"] == "rate_limited" and "频繁" in last.json()["message"]
    assert AuditEvent.objects.filter(action="api.refused", data__status=429).count() == 3


def test_lookups_are_limited_per_key_not_for_everyone(api, settings, cast):
    settings.API_RATE_PERSON_LOOKUP = "2/min"
    body = {"id_number": cast.worker.reveal_id_number()}
    for _ in range(2):
        api.post("inst", "/persons/lookup", body)
    assert api.post("inst", "/persons/lookup", body).status_code == 429
    assert api.post("reg", "/persons/lookup", body).status_code == 200


@pytest.mark.parametrize(
    ("key", "method", "path", "status"),
    [
        (None, "get", "/certificates", 401),
        ("base", "get", "/employments", 403),
        ("other_reg", "get", "/persons/{worker}/compliance", 404),
        ("inst", "post", "/employments", 422),
    ],
)
def test_every_refused_call_leaves_an_audit_row_naming_the_key(
    api, client, keys, cast, key, method, path, status
):
    path = path.format(worker=cast.worker.pk)
    if key is None:
        response = client.get(f"/api/v1{path}", HTTP_AUTHORIZATION="Bearer cc_guess123456")
    elif method == "get":
        response = api.get(key, path)
    else:
        response = api.post(key, path, {"role": "janitor"})
    assert response.status_code == status
    row = AuditEvent.objects.filter(action="api.refused").latest("id")
    assert row.data["status"] == status and row.data["path"] == f"/api/v1{path}"
    expected = keys[key][0].prefix if key else "cc_guess"
    assert row.data["api_key"] == expected


def test_reading_a_person_s_compliance_is_audited_with_the_key(api, keys, cast):
    assert api.get("reg", f"/persons/{cast.worker.pk}/compliance").status_code == 200
    row = AuditEvent.objects.filter(action="api.person_compliance_read").latest("id")
    assert row.object_id == str(cast.worker.pk) and row.data["api_key"] == keys["reg"][0].prefix


def _push(api, key, person, course, date=None, ref="att-x"):
    return api.post(
        key,
        "/hour-entries",
        {
            "person_id": person.pk,
            "course_id": course.pk if course else None,
            "date": (date or timezone.localdate()).isoformat(),
            "hours": "3.0",
            "kind": "practice",
            "external_ref": ref,
        },
    )


def test_a_base_cannot_credit_hours_to_someone_who_never_attended_it(api, cast, orgs):
    """Before: any person of the base's region could be credited."""
    course = accredited_course(orgs.base)

    response = _push(api, "base", cast.worker, course)

    assert response.status_code == 404
    assert not HourEntry.objects.filter(person=cast.worker).exists()


def test_a_base_cannot_credit_a_course_it_is_not_accredited_for(api, cast, orgs):
    course = make_course()
    base_learner(cast.worker, orgs.base, course)

    response = _push(api, "base", cast.worker, course)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "course_id"
    assert not HourEntry.objects.filter(person=cast.worker).exists()


def test_hours_older_than_the_back_dating_window_are_refused(api, cast, orgs):
    course = accredited_course(orgs.base)
    base_learner(cast.worker, orgs.base, course)
    old = timezone.localdate() - dt.timedelta(days=31)

    response = _push(api, "base", cast.worker, course, date=old)

    assert response.status_code == 422
    assert "30 天" in response.json()["errors"][0]["message"]
    assert _push(api, "base", cast.worker, course, ref="ok").status_code == 201


def test_an_institution_ends_its_own_employment_through_the_api(api, cast, orgs):
    employment = Employment.objects.get(person=cast.worker, institution=orgs.institution)
    today = timezone.localdate().isoformat()

    foreign = api.post("other_inst", f"/employments/{employment.pk}/end", {"end_date": today})
    assert foreign.status_code == 404
    employment.refresh_from_db()
    assert employment.end_date is None

    ended = api.post("inst", f"/employments/{employment.pk}/end", {"end_date": today})
    assert ended.status_code == 200 and ended.json()["end_date"] == today
    again = api.post("inst", f"/employments/{employment.pk}/end", {"end_date": today})
    assert again.status_code == 404  # no longer active
