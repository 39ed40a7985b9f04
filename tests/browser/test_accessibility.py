"""Issue 17: every role's main pages at a phone's 375 px and a desk's 1366 px — no sideways
scroll, and axe-core (the npm package, pinned in package.json, injected into the page) finds no
serious or critical violation; in English the site's own chrome (header, navigation, footer)
carries no Chinese."""

import re
from pathlib import Path

import pytest

from certification.services.compliance import compliance_on_employment_change
from tests.browser.journey import login, with_passwords

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
CJK = re.compile(r"[\u4e00-\u9fff]")
WIDTHS = (375, 1366)

PUBLIC = ["/", "/accounts/login/", "/accounts/signup/", "/verify/", "/subsidies/notice/"]


def _role_pages(cast):
    return [
        (cast.worker_user, ["/learning/", "/me/certificates/", "/subsidies/eligibility/"]),
        (cast.institution_admin, ["/institution/dashboard/", "/hiring-check/"]),
        (cast.base_staff, ["/base/dashboard/", "/classes/", "/base/certificates/batch/"]),
        (cast.hr_reviewer, ["/subsidies/review/", "/subsidies/approval/"]),
        (cast.hr_payment, ["/subsidies/batches/"]),
        (cast.regulator, ["/supervision/", "/bans/", "/bans/new/", f"/people/{cast.worker.pk}/"]),
    ]


def _serious_violations(page) -> list:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)"""
    )


def _check(page, url: str, problems: list):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{url} @{width}px scrolls sideways ({scroll}px)")
        problems.extend(f"{url} @{width}px {v}" for v in _serious_violations(page))


def test_every_roles_main_pages_fit_a_phone_and_pass_axe(live_server, page, cast):
    assert AXE.exists(), "make installs axe-core (npm ci) before the browser tests"
    users = [user for user, _paths in _role_pages(cast)]
    with_passwords(*users)
    compliance_on_employment_change(person=cast.worker)
    problems: list[str] = []
    page.context.clear_cookies()
    for path in PUBLIC:
        _check(page, f"{live_server.url}{path}", problems)
    for user, paths in _role_pages(cast):
        login(page, live_server, user.email)
        for path in paths:
            _check(page, f"{live_server.url}{path}", problems)
    assert problems == [], "\n".join(problems)


def test_english_pages_keep_no_chinese_in_the_sites_own_chrome(live_server, page, cast):
    with_passwords(cast.regulator)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    for path in ["/", "/verify/", "/accounts/login/"]:
        page.goto(f"{live_server.url}{path}")
        assert page.get_attribute("html", "lang") == "en"
        for part in (".site-header", ".site-footer", "main h1"):
            text = page.inner_text(part)
            assert not CJK.search(text), f"{path} {part}: {text!r}"
