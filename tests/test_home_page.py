"""A fresh installation opens on CareCert's home page, not Wagtail's welcome page (issue 17):
the migration puts a HomePage and its course catalogue at the site root."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from wagtail.models import Site

from cms.models import CourseIndexPage, HomePage
from tests.browser.journey import PASSWORD, with_passwords

pytestmark = pytest.mark.django_db


def test_the_site_root_is_carecerts_home_with_the_catalogue_under_it():
    root = Site.objects.get(is_default_site=True).root_page.specific
    assert isinstance(root, HomePage)
    assert CourseIndexPage.objects.child_of(root).get().url == "/courses/"


def test_visitors_see_sign_in_and_the_public_services(client):
    body = client.get("/").content.decode()
    assert "Welcome to your new Wagtail site" not in body
    for url in (
        reverse("account_login"),
        reverse("account_signup"),
        reverse("certification:verify_search"),
        reverse("certification:subsidy_notice"),
        "/courses/",
    ):
        assert f'href="{url}"' in body
    assert 'class="skip-link" href="#main"' in body


def test_signed_in_staff_see_their_own_work_first(client, cast):
    client.force_login(cast.regulator)
    body = client.get("/").content.decode()
    assert f'<a class="card tile" href="{reverse("certification:regulator_dashboard")}"' in body
    assert f'href="{reverse("account_signup")}"' not in body


def _header_and_stylesheet(body: str) -> tuple[str, str]:
    header = body[body.index('<header class="site-header">') : body.index("</header>")]
    sheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', body).group(1)
    return header, sheet


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_share_the_home_pages_header_and_stylesheet(client, name):
    home = _header_and_stylesheet(client.get("/").content.decode())
    page = client.get(reverse(name)).content.decode()
    assert _header_and_stylesheet(page) == home
    assert "Menu:" not in page and "菜单：" not in page  # allauth's bare layout is gone
    assert 'class="btn"' in page and 'class="skip-link"' in page


def test_the_two_step_setup_page_is_in_the_site_layout_with_the_whole_secret(client, cast):
    with_passwords(cast.regulator)
    signed_in = client.post(
        reverse("account_login"), {"login": cast.regulator.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    # Straight after signing in, setting up two-step does not ask for the password again.
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.get("Location")
    body = page.content.decode()
    assert '<header class="site-header">' in body
    secret = re.search(r'value="([A-Z2-7]{32})"', body)
    assert secret, "the full 32-character TOTP secret is in a field"
    assert 'src="data:image/svg+xml' in body  # the QR code to scan


def test_an_old_sign_in_is_asked_for_the_password_again(client, cast):
    with_passwords(cast.regulator)
    client.post(reverse("account_login"), {"login": cast.regulator.email, "password": PASSWORD})
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
