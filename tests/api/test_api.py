"""Data-exchange API (D-32): keys, scope, errors, ban checks, certificate verification."""

import datetime as dt

import pytest

from certification.api.auth import api_key_create, api_key_revoke
from certification.models import ApiKey, BanCheck
from tests.api.conftest import bearer
from tests.factories import CertificateFactory, new_id_number


@pytest.fixture
def certificate(cast, orgs):
    return CertificateFactory(
        serial="KM-2026-000001",
        verification_code="abc123code",
        person=cast.worker,
        issuer=orgs.base,
        issue_date=dt.date(2026, 3, 1),
    )


def test_the_key_secret_is_stored_only_as_a_keyed_hash(keys):
    key, secret = keys["inst"]
    assert secret not in key.key_hash and key.prefix == secret[:8]


def test_an_institution_key_runs_a_ban_check_and_gets_clear_without_details(client, keys):
    response = client.post(
        "/api/v1/ban-checks",
        {"id_type": "resident", "id_number": new_id_number(), "name": "张三"},
        content_type="application/json",
        **bearer(keys["inst"][1]),
    )
    assert response.status_code == 200
    assert response.json() == {"result": "clear"}
    assert BanCheck.objects.filter(purpose="api").count() == 1


def test_a_training_base_key_may_not_run_ban_checks(client, keys):
    response = client.post(
        "/api/v1/ban-checks",
        {"id_type": "resident", "id_number": new_id_number(), "name": "张三"},
        content_type="application/json",
        **bearer(keys["base"][1]),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_bad_payload_is_answered_422_with_field_errors(client, keys):
    response = client.post(
        "/api/v1/ban-checks",
        {"id_type": "resident", "name": ""},
        content_type="application/json",
        **bearer(keys["reg"][1]),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_payload"
    assert {e["field"] for e in body["errors"]} >= {"id_number", "name"}


def test_an_invalid_id_number_is_answered_422_with_the_specific_reason(client, keys):
    response = client.post(
        "/api/v1/ban-checks",
        {"id_type": "resident", "id_number": "530102199005170000", "name": "张三"},
        content_type="application/json",
        **bearer(keys["reg"][1]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "id_number"


def test_a_revoked_key_is_refused(client, keys, certificate):
    key, secret = keys["inst"]
    api_key_revoke(actor=None, key=key)
    response = client.get(
        f"/api/v1/certificates/verify/{certificate.verification_code}", **bearer(secret)
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_request_without_a_key_is_refused(client, certificate):
    response = client.get(f"/api/v1/certificates/verify/{certificate.verification_code}")
    assert response.status_code == 401


def test_a_certificate_is_verified_by_code(client, keys, certificate):
    response = client.get(
        f"/api/v1/certificates/verify/{certificate.verification_code}", **bearer(keys["reg"][1])
    )
    assert response.status_code == 200
    assert response.json()["serial"] == "KM-2026-000001"
    assert response.json()["revoked"] is False
    missing = client.get("/api/v1/certificates/verify/nope", **bearer(keys["reg"][1]))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_certificate_lists_are_paginated_and_scoped_to_the_keys_organisation(
    client, keys, certificate
):
    own = client.get("/api/v1/certificates", **bearer(keys["base"][1])).json()
    assert own["count"] == 1 and own["items"][0]["serial"] == certificate.serial
    other = client.get("/api/v1/certificates", **bearer(keys["other_base"][1])).json()
    assert other["count"] == 0


def test_the_interactive_docs_are_for_logged_in_staff_only(client, cast, keys):
    assert client.get("/api/v1/docs").status_code == 302  # to the login page
    assert client.get("/api/v1/docs", **bearer(keys["reg"][1])).status_code == 302
    client.force_login(cast.worker_user)
    assert client.get("/api/v1/docs").status_code == 403
    client.force_login(cast.regulator)
    assert client.get("/api/v1/docs").status_code == 200


def test_the_openapi_description_needs_a_valid_key_or_a_staff_session(client, cast, keys):
    anonymous = client.get("/api/v1/openapi.json")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    spec = client.get("/api/v1/openapi.json", **bearer(keys["base"][1])).json()
    assert {
        "/api/v1/ban-checks",
        "/api/v1/persons",
        "/api/v1/employments",
        "/api/v1/hour-entries",
        "/api/v1/persons/{person_id}/compliance",
        "/api/v1/certificates",
        "/api/v1/certificates/{serial}/revoke",
        "/api/v1/subsidy-applications",
        "/api/v1/subsidy-applications/{application_id}/decision",
    } <= set(spec["paths"])
    api_key_revoke(actor=None, key=keys["base"][0])
    assert client.get("/api/v1/openapi.json", **bearer(keys["base"][1])).status_code == 401
    client.force_login(cast.worker_user)
    assert client.get("/api/v1/openapi.json").status_code == 401
    client.force_login(cast.regulator)
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_an_admin_creates_a_key_sees_the_secret_once_and_can_revoke_it(client, orgs):
    from tests.factories import UserFactory

    admin_user = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/django-admin/certification/apikey/add/",
        {
            "name": "机构系统",
            "role": "institution",
            "organisation": orgs.institution.pk,
            "region": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="机构系统")
    shown = [str(m) for m in response.context["messages"]]
    secret = next(m.split("：", 1)[1] for m in shown if "cc_" in m)
    assert secret.startswith(key.prefix)
    assert client.get("/django-admin/certification/apikey/").content.decode().count(secret) == 0
    client.post(
        "/django-admin/certification/apikey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_person_is_looked_up_by_id_number_in_the_body_and_answered_masked(client, keys, cast):
    body = {"id_type": "resident", "id_number": cast.worker.reveal_id_number()}
    response = client.post(
        "/api/v1/persons/lookup", body, content_type="application/json", **bearer(keys["inst"][1])
    )
    assert response.status_code == 200
    assert response.json()["id_masked"] == cast.worker.id_masked
    assert cast.worker.reveal_id_number() not in response.content.decode()


def test_a_key_of_another_region_is_denied_the_person(client, keys, cast, regions):
    other, secret = api_key_create(
        actor=None, name="甘肃", role=ApiKey.Role.REGULATOR, region=regions.lanzhou
    )
    body = {"id_type": "resident", "id_number": cast.worker.reveal_id_number()}
    response = client.post(
        "/api/v1/persons/lookup", body, content_type="application/json", **bearer(secret)
    )
    assert response.status_code == 404
