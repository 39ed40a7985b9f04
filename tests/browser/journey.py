"""Shared steps of the browser journeys: real passwords, verified e-mail, login, screenshots."""

from pathlib import Path

from allauth.account.models import EmailAddress

PASSWORD = "Pw-for-browser-2026!"


def with_passwords(*users):
    for user in users:
        user.set_password(PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )


def login(page, site, email, password=PASSWORD):
    """Sign in through the login page; `site` is the live_server or its base URL."""
    page.context.clear_cookies()
    page.goto(f"{getattr(site, 'url', site)}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def screenshot(page, folder: Path, name: str):
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
