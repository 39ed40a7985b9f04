import pytest
from django.urls import reverse

from certification.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_regulator_sees_people_of_their_city_with_masked_ids(client, cast):
    client.force_login(cast.regulator)
    response = client.get(reverse("certification:person_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert cast.worker.name in body
    assert cast.worker.id_masked in body
    assert cast.worker.reveal_id_number() not in body
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_a_regulator_of_another_city_cannot_list_or_open_kunming_people(client, cast):
    client.force_login(cast.other_regulator)
    listing = client.get(reverse("certification:person_list")).content.decode()
    assert cast.worker.name not in listing
    assert cast.other_worker.name in listing
    response = client.get(reverse("certification:person_detail", args=[cast.worker.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=cast.other_regulator).exists()


def test_an_institution_admin_sees_only_their_own_staff(client, cast):
    client.force_login(cast.institution_admin)
    assert (
        client.get(reverse("certification:person_detail", args=[cast.worker.pk])).status_code == 200
    )
    assert (
        client.get(reverse("certification:person_detail", args=[cast.other_worker.pk])).status_code
        == 404
    )


def test_a_worker_cannot_open_the_staff_people_list(client, cast):
    client.force_login(cast.worker_user)
    assert client.get(reverse("certification:person_list")).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, cast):
    response = client.get(reverse("certification:person_detail", args=[cast.worker.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
