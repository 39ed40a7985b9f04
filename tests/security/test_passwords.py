"""Issue 3: password policy — length, common/similar, staff complexity, history of 5."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from cms.models.users import PasswordHistory


def _refused(password, user=None) -> bool:
    try:
        validate_password(password, user)
    except ValidationError:
        return True
    return False


@pytest.mark.django_db
def test_short_common_and_user_similar_passwords_are_refused(cast):
    assert _refused("Ab1-xyz", cast.worker_user)  # 7 characters
    assert _refused("password123", cast.worker_user)
    assert _refused("worker@example.test", cast.worker_user)


@pytest.mark.django_db
def test_long_passphrases_are_allowed_but_not_absurdly_long_ones(cast):
    assert not _refused("ein langer satz mit vielen woertern " * 3, cast.worker_user)
    assert _refused("x7" * 100, cast.worker_user)


@pytest.mark.django_db
def test_staff_need_three_character_classes_workers_do_not(cast):
    simple = "bluegreenmountain"
    assert not _refused(simple, cast.worker_user)
    assert _refused(simple, cast.regulator)
    assert not _refused("Bluegreen7mountain", cast.regulator)


@pytest.mark.django_db
def test_staff_cannot_reuse_one_of_their_last_five_passwords(cast):
    user = cast.regulator
    passwords = [f"Rotate-{i}-Kunming" for i in range(6)]
    for password in passwords:
        validate_password(password, user)
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() >= 5
    for recent in passwords[-5:]:
        assert _refused(recent, user), recent
    assert not _refused(passwords[0], user)  # six changes ago: allowed again


@pytest.mark.django_db
def test_changing_the_password_through_allauth_records_history_and_logs_out_other_sessions(
    client, cast
):
    from django.test import Client
    from django.urls import reverse

    user = cast.regulator
    other = Client()
    other.force_login(user)
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "Demo-pass-2026",
            "password1": "Nova-Pass-2026!",
            "password2": "Nova-Pass-2026!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password("Nova-Pass-2026!")
    assert PasswordHistory.objects.filter(user=user).exists()
    assert "_auth_user_id" in client.session  # this session stays
    other.get("/")
    assert "_auth_user_id" not in other.session  # the other one ends
