import pytest
from django.urls import reverse

from certification.models import BanCheck, IdProcessingConsent, Person
from tests.factories import UserFactory, new_id_number

pytestmark = pytest.mark.django_db


def _claim(client, **data):
    payload = {"name": "新员工", "id_type": "resident", "consent": "on"}
    payload.update(data)
    return client.post(reverse("certification:claim"), payload)


def test_a_worker_claims_a_new_record_with_recorded_consent(client, cast):
    user = UserFactory()
    client.force_login(user)
    number = new_id_number()
    response = _claim(client, id_number=number)
    assert response.status_code == 302
    person = Person.objects.get(user=user)
    assert person.reveal_id_number() == number
    assert IdProcessingConsent.objects.filter(user=user).exists()
    assert BanCheck.objects.filter(purpose="claim", result="clear").count() == 1
    profile = client.get(reverse("certification:profile")).content.decode()
    assert number in profile  # the owner sees their own number


def test_claim_without_consent_is_refused_and_saves_nothing(client, cast):
    user = UserFactory()
    client.force_login(user)
    response = _claim(client, id_number=new_id_number(), consent="")
    assert response.status_code == 200
    assert not Person.objects.filter(user=user).exists()
    assert not IdProcessingConsent.objects.filter(user=user).exists()


def test_claim_with_a_bad_check_character_names_the_problem(client, cast):
    client.force_login(UserFactory())
    response = _claim(client, id_number="110105194912310021")
    assert "校验位" in response.content.decode()


def test_claiming_someone_elses_record_with_another_name_is_refused(client, cast):
    client.force_login(UserFactory())
    response = _claim(client, id_number=cast.other_worker.reveal_id_number(), name="冒名者")
    assert "不一致" in response.content.decode()
    assert Person.objects.get(pk=cast.other_worker.pk).user is None
