"""Public certificate look-up by number and holder's name (issue 17): a match opens the verify
page; a miss says nothing about which half was wrong; visitors are rate-limited by address."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import CertificateFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = reverse("certification:verify_search")


@pytest.fixture
def certificate():
    return CertificateFactory(person=PersonFactory(name="张保育"))


def test_number_and_name_open_the_verify_page(client, certificate):
    response = client.get(URL, {"serial": certificate.serial.lower() + " ", "name": "张保育"})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "certification:verify", args=[certificate.verification_code]
    )
    assert "有效" in client.get(response["Location"]).content.decode()


def test_a_wrong_name_and_an_unknown_number_get_the_same_answer(client, certificate):
    wrong_name = client.get(URL, {"serial": certificate.serial, "name": "李保育"})
    unknown = client.get(URL, {"serial": "TC-2099-999999", "name": "张保育"})
    for response in (wrong_name, unknown):
        assert response.status_code == 200
        assert 'data-testid="verify-not-found"' in response.content.decode()
        assert certificate.person.id_masked not in response.content.decode()


def test_the_empty_form_asks_for_both_fields(client):
    body = client.get(URL).content.decode()
    assert 'name="serial"' in body and 'name="name"' in body and "verify-not-found" not in body
    missing = client.get(URL, {"serial": "TC-2026-000001"}).content.decode()
    assert 'id="id_name_error"' in missing and "必需字段" in missing


def test_visitors_are_limited_per_address(client, settings, certificate):
    settings.PAGE_RATE_VERIFY_SEARCH = "3/min"
    cache.clear()
    codes = [
        client.get(
            URL, {"serial": f"TC-2026-00000{i}", "name": "某"}, REMOTE_ADDR="10.0.0.9"
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    other = client.get(URL, {"serial": "TC-2026-000001", "name": "某"}, REMOTE_ADDR="10.0.0.10")
    assert other.status_code == 200
