"""Issue 3: lockout through the real allauth form, MFA for staff, session limits."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from certification.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "Demo-pass-2026"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def verified_user(db):
    user = UserFactory(email="lock@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _login(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_for_the_right_password_until_cool_off(
    client, verified_user
):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(4):
            _login(client, verified_user.email, "wrong-password-1")
            clock.shift(dt.timedelta(minutes=2))
        fifth = _login(client, verified_user.email, "wrong-password-1")
        assert fifth.status_code == 429
        assert "账号已暂时锁定" in fifth.content.decode()
        clock.shift(dt.timedelta(minutes=1))
        _login(client, verified_user.email, PASSWORD)
        assert not _logged_in(client)
        assert AuditEvent.objects.filter(action="auth.locked_out").exists()
        assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 5

        clock.shift(dt.timedelta(minutes=29))
        _login(client, verified_user.email, PASSWORD)
        assert not _logged_in(client)

        clock.shift(dt.timedelta(minutes=31))
        _login(client, verified_user.email, PASSWORD)
        assert _logged_in(client)


@pytest.mark.django_db
def test_four_failures_do_not_lock_and_a_success_resets_the_count(client, verified_user):
    for _ in range(4):
        _login(client, verified_user.email, "wrong-password-1")
    _login(client, verified_user.email, PASSWORD)
    assert _logged_in(client)


@pytest.mark.django_db
def test_login_rotates_the_session_key(client, verified_user):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    _login(client, verified_user.email, PASSWORD)
    assert _logged_in(client)
    assert client.session.session_key != before


@pytest.mark.django_db
def test_wagtail_admin_login_redirects_to_the_protected_login(client):
    response = client.get("/cms-admin/login/?next=/cms-admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=" in response.url


@pytest.mark.django_db
def test_staff_without_totp_are_sent_to_enrolment_everywhere_including_the_cms_admin(
    client, cast, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(cast.regulator)
    enrol = reverse("mfa_activate_totp")
    for path in [
        "/",
        "/cms-admin/",
        "/cms-admin/pages/",
        reverse("certification:my_profile") if _has_url("certification:my_profile") else "/",
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == enrol, path
    # Enrolment itself is reachable (after allauth's re-authentication, as for any MFA change).
    response = client.get(enrol)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert client.get(response.url).status_code == 200


@pytest.mark.django_db
def test_a_staff_user_with_totp_gets_through_and_a_worker_is_never_asked(client, cast, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    Authenticator.objects.create(
        user=cast.regulator, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    client.force_login(cast.regulator)
    assert client.get("/").status_code == 200
    client.force_login(cast.worker_user)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_staff_with_a_password_older_than_90_days_must_change_it(client, cast, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    with time_machine.travel(T0, tick=False) as clock:
        cast.hr_reviewer.set_password("Xy9-abcdefgh")
        cast.hr_reviewer.save()
        cast.hr_reviewer.password_changed_at = T0
        cast.hr_reviewer.save(update_fields=["password_changed_at"])
        client.force_login(cast.hr_reviewer)
        clock.shift(dt.timedelta(days=89))
        client.force_login(cast.hr_reviewer)
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(days=2))
        client.force_login(cast.hr_reviewer)
        response = client.get("/")
        assert response.status_code == 302
        assert response.url == reverse("account_change_password")


@pytest.mark.django_db
def test_idle_session_ends_after_30_minutes(client, cast):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(cast.worker_user)
        client.get("/")
        clock.shift(dt.timedelta(minutes=29))
        client.get("/")
        assert _logged_in(client)
        clock.shift(dt.timedelta(minutes=31))
        client.get("/")
        assert not _logged_in(client)


@pytest.mark.django_db
def test_an_active_session_still_ends_8_hours_after_login(client, cast):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(cast.worker_user)
        client.get("/")
        for _ in range(16):  # busy all day, never idle for long
            clock.shift(dt.timedelta(minutes=25))
            client.get("/")
        assert _logged_in(client)  # 6 h 40 min
        for _ in range(4):
            clock.shift(dt.timedelta(minutes=25))
            client.get("/")
        assert not _logged_in(client)  # 8 h 20 min


@pytest.mark.django_db
def test_deactivating_a_user_ends_their_open_session(client, cast):
    client.force_login(cast.worker_user)
    client.get("/")
    type(cast.worker_user).objects.filter(pk=cast.worker_user.pk).update(is_active=False)
    response = client.get("/")
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_pages_for_signed_in_users_are_not_cached(client, cast):
    client.force_login(cast.worker_user)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def _has_url(name):
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True
