"""Issue 17: every role's main pages at a phone's 375 px and a desk's 1366 px — no sideways
scroll, and axe-core (the npm package, pinned in package.json, injected into the page) finds no
serious or critical violation; in English no Chinese is left once the data (names, titles) is taken out."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from certification.models import Organisation, Person
from certification.rules.certificates import mask_name
from certification.services.compliance import compliance_on_employment_change
from cms.demo import DEMO_PASSWORD, demo_steps
from tests.browser.journey import login, with_passwords

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
CJK = re.compile(r"[\u4e00-\u9fff]")
WIDTHS = (375, 1366)

PUBLIC = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/verify/",
    "/subsidies/notice/",
    "/credit/public/",
]


def _role_pages(cast):
    return [
        (cast.worker_user, ["/learning/", "/me/certificates/", "/subsidies/eligibility/"]),
        (
            cast.institution_admin,
            [
                "/institution/dashboard/",
                "/hiring-check/",
                f"/institution/{cast.worker.employments.get().institution_id}/health/",
                "/work-certificates/",
            ],
        ),
        (cast.base_staff, ["/base/dashboard/", "/classes/", "/base/certificates/batch/"]),
        (cast.hr_reviewer, ["/subsidies/review/", "/subsidies/approval/", "/credit/"]),
        (cast.hr_payment, ["/subsidies/batches/"]),
        (
            cast.regulator,
            [
                "/supervision/",
                "/supervision/bases/",
                "/credit/",
                "/credit/new/",
                "/bans/",
                "/bans/new/",
                f"/people/{cast.worker.pk}/",
            ],
        ),
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


def _data_strings() -> list[str]:
    """Everything the database holds in Chinese (names, titles, notes, reasons) and the masked
    names shown to the public: data, which an English page shows as it is."""
    found: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.CharField | models.TextField) and not f.choices:
                values = model._default_manager.filter(**{f"{f.name}__regex": CJK.pattern})
                found.update(v for v in values.values_list(f.name, flat=True).distinct() if v)
    found |= {mask_name(name) for name in Person.objects.values_list("name", flat=True)}
    # The language switcher names each language in itself.
    found |= {name for _code, name in settings.LANGUAGES}
    return sorted(found, key=len, reverse=True)


def _chinese_outside_data(text: str, data: list[str]) -> list[str]:
    for value in data:
        text = text.replace(value, " ")
    return sorted({line.strip() for line in text.splitlines() if CJK.search(line)})


DEMO_PAGES = {
    "worker": ["/learning/", "/me/certificates/", "/subsidies/eligibility/"],
    "inst": ["/institution/dashboard/", "/hiring-check/", "/work-certificates/"],
    "base": ["/base/dashboard/", "/classes/", "/base/certificates/batch/"],
    "hr": ["/subsidies/review/", "/subsidies/approval/", "/subsidies/objections/", "/credit/"],
    "pay": ["/subsidies/batches/"],
    "reg": ["/supervision/", "/supervision/bases/", "/credit/", "/bans/", "/bans/new/"],
    "admin": ["/manage/outbox/", "/manage/outbox/receivers/"],
}


def test_english_pages_of_the_demo_province_show_no_chinese_outside_names_and_data(
    live_server, page
):
    """Every role's main pages over the whole demo province (classes, certificates, applications
    in every state, bans), in English: whatever Chinese is left once the data from the database
    is taken out is an untranslated string."""
    for step in demo_steps():
        step.func(lambda _msg: None)
    worker = Person.objects.get(user__email="worker@demo.carecert.cn")
    DEMO_PAGES["reg"].append(f"/people/{worker.pk}/")
    institution = worker.employments.get(end_date__isnull=True).institution
    DEMO_PAGES["inst"].append(f"/institution/{institution.pk}/health/")
    DEMO_PAGES["reg"].append(
        f"/supervision/bases/{Organisation.objects.filter(kind='training_base').first().pk}/"
    )
    PUBLIC.append(f"/credit/public/{institution.credit_code}/")
    data = _data_strings()
    problems: list[str] = []

    def english(path):
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
        page.goto(f"{live_server.url}{path}")
        assert page.get_attribute("html", "lang") == "en", path
        problems.extend(
            f"{path}: {line}" for line in _chinese_outside_data(page.inner_text("body"), data)
        )

    page.context.clear_cookies()
    for path in PUBLIC:
        english(path)
    for account, paths in DEMO_PAGES.items():
        login(page, live_server, f"{account}@demo.carecert.cn", password=DEMO_PASSWORD)
        for path in paths:
            english(path)
    assert problems == [], "\n".join(problems)
