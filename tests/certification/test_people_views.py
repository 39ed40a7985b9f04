import pytest
from django.urls import reverse

from certification.models import AuditEvent, CheckPurpose
from certification.services.bans import ban_check
from tests.certification.test_subsidies import make_cert, submitted
from tests.factories import BanEntryFactory, PersonFactory

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


def _record_of(client, user, person):
    client.force_login(user)
    response = client.get(reverse("certification:person_detail", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_regulators_person_page_shows_standing_certificates_checks_and_applications(
    client, cast, orgs, regions
):
    cert = make_cert(cast.worker)
    submitted(cast, cert=cert)
    ban_check(
        id_index=cast.worker.id_index,
        purpose=CheckPurpose.HIRING,
        actor=cast.institution_admin,
        organisation=orgs.institution,
    )
    BanEntryFactory(person=cast.worker, region=regions.kunming)
    body = _record_of(client, cast.regulator, cast.worker)
    assert 'data-role="caregiver"' in body  # the cycle card with its hours
    assert cert.serial in body
    assert "入职查询" in body and orgs.institution.name in body  # the hiring check, by whom
    assert "在册禁入" in body
    assert 'data-testid="applications"' in body and "已提交" in body


def test_an_employer_sees_standing_and_certificates_but_not_checks_or_applications(
    client, cast, orgs
):
    cert = make_cert(cast.worker)
    submitted(cast, cert=cert)
    ban_check(
        id_index=cast.worker.id_index,
        purpose=CheckPurpose.HIRING,
        actor=cast.institution_admin,
        organisation=orgs.institution,
    )
    body = _record_of(client, cast.institution_admin, cast.worker)
    assert 'data-role="caregiver"' in body and cert.serial in body
    assert 'data-testid="ban-checks"' not in body and 'data-testid="ban-standing"' not in body
    assert 'data-testid="applications"' not in body


def test_paging_the_people_list_keeps_the_search(client, cast, regions):
    for i in range(51):
        PersonFactory(name=f"测试{i:02d}", region=regions.wuhua)
    client.force_login(cast.regulator)
    first = client.get(reverse("certification:person_list"), {"q": "测试"}).content.decode()
    assert 'rel="next" href="?q=%E6%B5%8B%E8%AF%95&amp;page=2"' in first
    assert "第 1 / 2 页" in first
    second = client.get(reverse("certification:person_list"), {"q": "测试", "page": 2})
    body = second.content.decode()
    assert "测试50" in body and cast.worker.name not in body.split("<main")[1]
    assert 'rel="prev" href="?q=%E6%B5%8B%E8%AF%95&amp;page=1"' in body
