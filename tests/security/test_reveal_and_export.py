"""Issue 3: the audited, re-authenticated reveal; the owner's data download."""

import json

import pytest
from django.urls import reverse

from certification.models import AuditEvent


def _recently_authenticated(client):
    """The real allauth re-authentication form (password again)."""
    client.post(reverse("account_reauthenticate"), {"password": "Demo-pass-2026"})


@pytest.mark.django_db
def test_a_regulator_reveals_a_full_id_after_reauthentication_and_it_is_audited(client, cast):
    url = reverse("certification:person_reveal", args=[cast.worker.pk])
    client.force_login(cast.regulator)
    response = client.post(url, {"purpose": "核查"})
    assert response.status_code == 302  # to re-authentication first
    assert "reauthenticate" in response.url
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()
    _recently_authenticated(client)
    response = client.post(url, {"purpose": "核查"})
    assert response.status_code == 200
    assert cast.worker.reveal_id_number() in response.content.decode()
    assert response.headers["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert event.actor == cast.regulator and event.object_id == str(cast.worker.pk)


@pytest.mark.django_db
def test_regulators_of_another_region_and_training_bases_cannot_reveal(client, cast):
    url = reverse("certification:person_reveal", args=[cast.worker.pk])
    for user in (cast.other_regulator, cast.base_staff, cast.outsider):
        client.force_login(user)
        _recently_authenticated(client)
        response = client.post(url, {"purpose": "x"})
        assert response.status_code in (403, 404)
        assert cast.worker.reveal_id_number() not in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


@pytest.mark.django_db
def test_the_owner_downloads_their_own_data_as_json_and_it_is_audited(client, cast):
    client.force_login(cast.worker_user)
    response = client.get(reverse("certification:my_data_export"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["account"]["email"] == cast.worker_user.email
    assert data["person"]["id_number"] == cast.worker.reveal_id_number()
    assert len(data["employments"]) == 1
    assert {"hour_entries", "certificates", "subsidy_applications"} <= data.keys()
    assert AuditEvent.objects.filter(action="person.data_export", actor=cast.worker_user).exists()


@pytest.mark.django_db
def test_regulators_see_only_their_regions_audit_rows_and_workers_none(client, cast):
    from certification.audit import audit_record

    audit_record(actor=None, action="test.kunming", region_path=cast.worker.region.path)
    audit_record(actor=None, action="test.lanzhou", region_path=cast.other_worker.region.path)
    client.force_login(cast.regulator)
    body = client.get(reverse("certification:audit_log")).content.decode()
    assert "test.kunming" in body and "test.lanzhou" not in body
    client.force_login(cast.worker_user)
    assert client.get(reverse("certification:audit_log")).status_code == 403


@pytest.mark.django_db
def test_deactivating_a_user_ends_all_their_sessions(client, cast):
    from django.test import Client

    from certification.services.security import user_deactivate

    other = Client()
    other.force_login(cast.worker_user)
    client.force_login(cast.worker_user)
    user_deactivate(actor=cast.regulator, user=cast.worker_user)
    for c in (client, other):
        assert not c.get("/").wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(action="user.deactivate").exists()
