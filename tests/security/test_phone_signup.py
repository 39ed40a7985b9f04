"""Sign-up with a mobile number through the real allauth flow (cms/accounts.py, ACCOUNT_* in
cms/settings/base.py): e-mail is required, the mobile number is an optional extra that is
verified by an SMS code (logged in embedded mode), and afterwards the user logs in with it.
Mainland mobile numbers are accepted however they are typed and stored as "+86…"; a number
that was sent a code less than 30 s ago gets "wait" on the form, never an error page."""

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cms.models import User

PASSWORD = "Phone-signup-2026"
PHONE = "+8613800001234"


def _signup(client, email, phone):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "phone": phone,
            "display_name": "钱保育",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _login(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def _sms_code(caplog) -> str:
    messages = [r.getMessage() for r in caplog.records if r.name == "carecert.sms"]
    assert messages, "no SMS was sent"
    assert PHONE not in messages[-1]  # the log shows only the last four digits
    return re.search(r"verification code (\S+)", messages[-1]).group(1)


@pytest.fixture
def sms_log(caplog):
    cache.clear()  # allauth's rate limits (one SMS per number per 30 s) live in the cache
    caplog.set_level(logging.INFO, logger="carecert.sms")
    yield caplog
    cache.clear()


@pytest.mark.django_db
def test_sign_up_with_a_mobile_number_verify_it_by_sms_and_log_in_with_it(client, sms_log):
    form = client.get(reverse("account_signup")).content.decode()
    assert 'name="phone"' in form

    response = _signup(client, "qian@example.test", PHONE)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(email="qian@example.test")
    assert (user.phone, user.phone_verified, user.display_name) == (PHONE, False, "钱保育")

    code = _sms_code(sms_log)
    wrong = "".join("0" if c != "0" else "1" for c in code)
    client.post(reverse("account_verify_phone"), {"code": wrong})
    user.refresh_from_db()
    assert not user.phone_verified

    response = client.post(reverse("account_verify_phone"), {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified

    # E-mail verification is mandatory too: confirm the link from the mail, then log in by phone.
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[-1].body).group(0)
    client.post(link)
    client.logout()
    response = client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_a_mobile_number_already_registered_gets_no_second_account(client, sms_log):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _signup(client, "first@example.test", PHONE)
        client.logout()
        clock.shift(dt.timedelta(minutes=1))  # past allauth's one-SMS-per-30-s limit
        response = _signup(client, "second@example.test", PHONE)
    # Enumeration prevention: the page looks the same, but no account is made.
    assert response.status_code == 302
    assert not User.objects.filter(email="second@example.test").exists()
    assert User.objects.get(phone=PHONE).email == "first@example.test"


@pytest.mark.django_db
def test_a_wrong_password_with_the_phone_does_not_log_in(client, sms_log):
    _signup(client, "qian@example.test", PHONE)
    client.post(reverse("account_verify_phone"), {"code": _sms_code(sms_log)})
    client.logout()
    client.post(reverse("account_login"), {"login": PHONE, "password": "wrong-password-1"})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_bare_mainland_number_is_stored_with_86_and_logs_in_as_typed(client, sms_log):
    response = _signup(client, "qian@example.test", "13800001234")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(email="qian@example.test")
    assert user.phone == PHONE

    client.post(reverse("account_verify_phone"), {"code": _sms_code(sms_log)})
    user.refresh_from_db()
    assert user.phone_verified
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[-1].body).group(0)
    client.post(link)

    for typed in ("13800001234", "+86 138 0000 1234"):
        client.logout()
        response = _login(client, typed)
        assert response.status_code == 302, typed
        assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    _login(client, "13800001234", "wrong-password-1")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "138 0000 1234",
        "138-0000-1234",
        "8613800001234",
        "+86 138-0000-1234",
        "0086 13800001234",
        "\uff11\uff13\uff18\uff10\uff10\uff10\uff10\uff11\uff12\uff13\uff14",
    ],  # full-width
)
def test_the_usual_ways_of_typing_a_mainland_number_are_all_stored_the_same(client, sms_log, typed):
    assert _signup(client, "qian@example.test", typed).status_code == 302
    assert User.objects.get(email="qian@example.test").phone == PHONE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "12800001234",
        "1380000123",
        "138000012345",
        "010-12345678",
        "+14155550123",
        "+852 9123 4567",
        "abc",
    ],
)
def test_a_number_that_is_not_a_mainland_mobile_is_refused_in_chinese(client, sms_log, typed):
    response = _signup(client, "qian@example.test", typed)
    assert response.status_code == 200
    assert "请输入有效的中国大陆手机号" in response.content.decode()
    assert not User.objects.filter(email="qian@example.test").exists()


@pytest.mark.django_db
def test_a_double_clicked_sign_up_gets_a_wait_message_not_an_error_page(client, sms_log):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        assert _signup(client, "qian@example.test", "13800001234").status_code == 302
        # The second click travels with the session the first response had not yet replaced.
        client.cookies.clear()
        clock.shift(dt.timedelta(seconds=2))
        again = _signup(client, "qian@example.test", "13800001234")
        assert again.status_code == 200
        assert "验证码短信发送过于频繁" in again.content.decode()

        # Someone else signing up with the now-registered number sees the same "wait", not
        # "already registered" (allauth's enumeration prevention stays intact).
        other = Client()
        other_response = _signup(other, "second@example.test", "138 0000 1234")
        assert other_response.status_code == 200
        page = other_response.content.decode()
        assert "验证码短信发送过于频繁" in page
        assert "already registered" not in page and "已注册" not in page

        # After the 30 s the registered number takes the usual path again (no second account).
        clock.shift(dt.timedelta(seconds=31))
        assert _signup(Client(), "second@example.test", PHONE).status_code == 302
    assert list(User.objects.filter(phone=PHONE).values_list("email", flat=True)) == [
        "qian@example.test"
    ]
    assert not User.objects.filter(email="second@example.test").exists()


@pytest.mark.django_db
def test_too_many_sms_from_one_address_refuse_before_making_an_account(client, sms_log):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        for i in range(3):  # allauth: three verification SMS a minute per IP address
            assert _signup(Client(), f"p{i}@example.test", f"1390000000{i}").status_code == 302
        response = _signup(Client(), "p3@example.test", "13900000003")
    assert response.status_code == 200
    assert "验证码短信发送过于频繁" in response.content.decode()
    assert not User.objects.filter(email="p3@example.test").exists()


@pytest.mark.django_db
def test_two_submissions_racing_past_the_check_still_get_a_page(client, sms_log, monkeypatch):
    _signup(client, "qian@example.test", PHONE)
    monkeypatch.setattr("cms.accounts._sms_allowed", lambda phone: True)
    response = _signup(Client(), "second@example.test", PHONE)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_signup")
    assert not User.objects.filter(email="second@example.test").exists()


@pytest.mark.django_db
def test_failed_logins_on_one_number_do_not_block_another_numbers_login(client, sms_log):
    _signup(client, "qian@example.test", PHONE)
    client.post(reverse("account_verify_phone"), {"code": _sms_code(sms_log)})
    client.post(re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[-1].body).group(0))
    client.logout()
    for _ in range(5):
        _login(Client(), "13900009999", "wrong-password-1")
    response = _login(client, "13800001234")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
