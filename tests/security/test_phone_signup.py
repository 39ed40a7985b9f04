"""Sign-up with a mobile number through the real allauth flow (cms/accounts.py, ACCOUNT_* in
cms/settings/base.py): e-mail is required, the mobile number is an optional extra that is
verified by an SMS code (logged in embedded mode), and afterwards the user logs in with it."""

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
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
