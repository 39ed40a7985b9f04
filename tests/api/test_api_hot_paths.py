"""Issue 18: the API's hot paths and the public verify page stay a few queries each, and the
cached key resolution never honours a revoked key or an old scope."""

import datetime as dt

import pytest
from django.utils import timezone

from certification.api.auth import api_key_revoke
from certification.models import ApiKey, AuditEvent
from tests.api.conftest import bearer
from tests.certification.builders import make_course
from tests.factories import CertificateFactory


@pytest.fixture
def certificate(cast, orgs):
    return CertificateFactory(
        serial="KM-2026-000001",
        verification_code="abc123code",
        person=cast.worker,
        issuer=orgs.base,
        course=make_course(title="婴幼儿照护岗前培训"),
        issue_date=dt.date(2026, 3, 1),
    )


def _compliance(client, secret, person):
    return client.get(f"/api/v1/persons/{person.pk}/compliance", **bearer(secret))


def test_a_compliance_answer_takes_four_queries_with_a_known_key(
    client, keys, cast, django_assert_max_num_queries
):
    secret = keys["reg"][1]
    assert _compliance(client, secret, cast.worker).status_code == 200
    # The person within the key's scope, the audit row, the cycle summaries, the employments.
    with django_assert_max_num_queries(4):
        response = _compliance(client, secret, cast.worker)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="api.person_compliance_read").count() == 2


def test_an_api_verification_is_one_query_with_a_known_key(
    client, keys, certificate, django_assert_max_num_queries
):
    secret = keys["inst"][1]
    path = f"/api/v1/certificates/verify/{certificate.verification_code}"
    assert client.get(path, **bearer(secret)).status_code == 200
    with django_assert_max_num_queries(1):
        response = client.get(path, **bearer(secret))
    assert response.status_code == 200
    assert response.json()["serial"] == certificate.serial


def test_the_public_verify_page_does_not_load_the_course_page_and_shows_it(
    client, certificate, django_assert_max_num_queries
):
    path = f"/verify/{certificate.verification_code}/"
    assert client.get(path).status_code == 200
    # The certificate (holder, issuer, course title) alone: its credential's check, signed and
    # verified on the first view, is cached under its inputs and the keys' and list's versions.
    with django_assert_max_num_queries(1):
        response = client.get(path)
    page = response.content.decode()
    assert "婴幼儿照护岗前培训" in page and certificate.serial in page
    assert "签名有效" in page and "状态：未撤销" in page


def test_a_revoked_key_is_refused_on_the_very_next_request_although_keys_are_cached(
    client, keys, certificate
):
    key, secret = keys["inst"]
    path = f"/api/v1/certificates/verify/{certificate.verification_code}"
    assert client.get(path, **bearer(secret)).status_code == 200  # resolved and cached
    assert client.get(path, **bearer(secret)).status_code == 200  # answered from the cache
    api_key_revoke(actor=None, key=key)
    response = client.get(path, **bearer(secret))
    assert response.status_code == 401
    assert client.get(path, **bearer(secret)).status_code == 401


def test_a_key_whose_region_changed_answers_with_its_new_region_at_once(
    client, keys, cast, regions
):
    key, secret = keys["reg"]
    assert _compliance(client, secret, cast.worker).status_code == 200
    assert _compliance(client, secret, cast.other_worker).status_code == 404
    key.region = regions.lanzhou
    key.save()
    assert _compliance(client, secret, cast.worker).status_code == 404
    assert _compliance(client, secret, cast.other_worker).status_code == 200


def test_a_cached_key_records_its_use_at_most_once_a_minute(client, keys, certificate):
    key, secret = keys["inst"]
    path = f"/api/v1/certificates/verify/{certificate.verification_code}"
    for _ in range(3):
        assert client.get(path, **bearer(secret)).status_code == 200
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(minutes=1)
    client.get(path, **bearer(secret))
    key.refresh_from_db()
    assert key.last_used_at == first
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
