"""Issue 15: employment changes through the API, scoped like the pages: an institution key
corrects insurance months and moves its own employees to another role; a self-registered
worker gets the workplace's region when hired."""

import datetime as dt

import pytest

from tests.factories import PersonFactory, new_id_number

pytestmark = pytest.mark.django_db


def test_a_self_registered_worker_gets_the_workplace_region_when_hired(api, regions):
    number = new_id_number()
    person = PersonFactory(region=None, id_number=number)
    response = api.post(
        "inst",
        "/employments",
        {
            "id_number": number,
            "name": person.name,
            "role": "caregiver",
            "start_date": "2026-10-01",
        },
    )
    assert response.status_code == 201, response.content
    person.refresh_from_db()
    assert person.region == regions.wuhua


def test_the_api_corrects_terms_and_moves_to_another_role(api, cast, orgs):
    employment = cast.worker.employments.get(institution=orgs.institution)

    terms = api.post(
        "inst",
        f"/employments/{employment.pk}/terms",
        {"ui_contribution_months": 40, "has_labour_contract": False},
    )
    assert terms.status_code == 200, terms.content
    assert terms.json()["ui_contribution_months"] == 40

    moved = api.post(
        "inst",
        f"/employments/{employment.pk}/transfer",
        {"role": "director", "start_date": "2026-11-01"},
    )
    assert moved.status_code == 201, moved.content
    body = moved.json()
    assert (body["role"], body["institution_id"], body["ui_contribution_months"]) == (
        "director",
        orgs.institution.pk,
        40,
    )
    employment.refresh_from_db()
    assert employment.end_date == dt.date(2026, 10, 31)


def test_the_api_cannot_move_anyone_to_an_institution_it_does_not_hold(api, cast, orgs):
    employment = cast.worker.employments.get(institution=orgs.institution)
    response = api.post(
        "inst",
        f"/employments/{employment.pk}/transfer",
        {
            "institution_id": orgs.other_institution.pk,
            "role": "caregiver",
            "start_date": "2026-11-01",
        },
    )
    assert response.status_code == 404
    employment.refresh_from_db()
    assert employment.end_date is None


def test_the_api_refuses_a_move_to_the_same_role_with_a_reason(api, cast, orgs):
    employment = cast.worker.employments.get(institution=orgs.institution)
    response = api.post(
        "inst",
        f"/employments/{employment.pk}/transfer",
        {"role": "caregiver", "start_date": "2026-11-01"},
    )
    assert response.status_code == 422
    assert "相同" in response.json()["errors"][0]["message"]
