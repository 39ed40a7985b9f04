import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from certification import pii
from certification.idnumbers import IdType
from certification.models import AuditEvent, Person
from certification.services.people import person_create
from tests.factories import new_id_number


@pytest.mark.django_db
def test_no_plaintext_id_number_in_the_database(cast):
    number = new_id_number()
    person = person_create(
        actor=cast.regulator, id_type=IdType.RESIDENT, id_number=number, name="测试"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM certification_person WHERE id = %s", [person.pk])
        row = cursor.fetchone()
    flat = " ".join(bytes(v).hex() if isinstance(v, bytes | memoryview) else str(v) for v in row)
    assert number not in flat
    assert number.encode().hex() not in flat
    assert Person.objects.get(pk=person.pk).reveal_id_number() == number


@pytest.mark.django_db
def test_the_same_id_gives_the_same_blind_index_and_a_duplicate_is_refused(cast):
    number = new_id_number()
    person = person_create(actor=None, id_type=IdType.RESIDENT, id_number=number, name="甲")
    assert person.id_index == pii.blind_index(number)
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, id_type=IdType.RESIDENT, id_number=number.lower(), name="乙")
    assert "已登记" in str(exc.value)


@pytest.mark.django_db
def test_invalid_id_saves_nothing(cast):
    people, audits = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        person_create(
            actor=None, id_type=IdType.RESIDENT, id_number="110105194912310021", name="丙"
        )
    assert "校验位" in str(exc.value)
    assert (Person.objects.count(), AuditEvent.objects.count()) == (people, audits)


def test_ciphertext_that_was_tampered_with_does_not_decrypt(settings):
    blob = bytearray(pii.encrypt("11010519491231002X"))
    blob[-1] ^= 1
    with pytest.raises(pii.PiiDecryptionError):
        pii.decrypt(bytes(blob))


def test_rotated_keys_still_decrypt_old_values(settings):
    old = pii.encrypt("11010519491231002X")
    settings.PII_KEYS = ["t2:" + "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=", *settings.PII_KEYS]
    assert pii.decrypt(old) == "11010519491231002X"
    assert pii.encrypt("x")[2:4] == b"t2"
