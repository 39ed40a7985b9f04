"""D-37 持证上岗 in a real browser at a phone's 375 px: the Kunming regulator turns the rule on
for caregivers (6 months) on the policy pages; the Wuhua institution's admin hires a caregiver
and the hiring page says by when she needs a certificate; the institution's 持证上岗 list shows
her inside the grace period and a caregiver hired long ago past it. Every page fits the width
and passes axe-core. Screenshots go to test-results/work-certificate-journey/."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from certification.models import AuditEvent, Employment, WorkCertificateRule
from certification.rules.subsidies import add_months
from tests.browser.journey import login, screenshot, with_passwords
from tests.browser.test_accessibility import _serious_violations
from tests.factories import new_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/work-certificate-journey")
WIDTH = 375


def _fits_and_passes_axe(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
    assert _serious_violations(page) == [], page.url


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_a_region_turns_the_rule_on_and_the_institution_sees_who_needs_a_certificate(
    live_server, page, cast, orgs, regions
):
    with_passwords(cast.regulator, cast.institution_admin)
    Employment.objects.filter(person=cast.worker).update(start_date=dt.date(2024, 1, 10))
    url = live_server.url
    page.set_viewport_size({"width": WIDTH, "height": 800})

    login(page, live_server, cast.regulator.email)
    page.goto(f"{url}/policies/")
    page.click("text=持证上岗要求")
    _fits_and_passes_axe(page)
    page.click("text=新增地区版本")
    page.select_option("select[name=region]", regions.kunming.pk)
    page.select_option("select[name=role]", "caregiver")
    page.check("input[name=required]")
    page.fill("input[name=grace_months]", "6")
    page.fill("input[name=effective_from]", timezone.localdate().isoformat())
    page.fill("input[name=note]", "昆明市持证上岗试点")
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "1-rule-form")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "昆明市持证上岗试点" in page.inner_text("main")
    assert WorkCertificateRule.objects.get().grace_months == 6
    assert AuditEvent.objects.filter(action="policy.work_certificate.create").exists()

    login(page, live_server, cast.institution_admin.email)
    page.goto(f"{url}/hiring-check/")
    page.fill("input[name=name]", "冯新月")
    page.fill("input[name=id_number]", new_id_number(birth=dt.date(1998, 3, 8)))
    page.click("button[name=check]")
    page.wait_for_load_state()
    rules = page.inner_text("[data-testid=work-certificate-rules]")
    assert "本地区要求保育人员入职6个月内取得培训合格证书或职业技能等级证书" in rules
    _fits_and_passes_axe(page)
    page.select_option("select[name=role]", "caregiver")
    today = timezone.localdate()
    page.fill("input[name=start_date]", today.isoformat())
    page.click("button[name=employ]")
    page.wait_for_load_state()
    messages = page.inner_text(".messages")
    assert "已办理入职登记" in messages
    assert f"截止日期 {_cn(add_months(today, 6))}" in messages
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "2-hired")

    page.click("header >> text=持证上岗")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=work-certificate-row]")
    assert rows.count() == 2
    assert "王*育" in rows.nth(0).inner_text() and "已超期" in rows.nth(0).inner_text()
    assert "冯*月" in rows.nth(1).inner_text() and "期限内" in rows.nth(1).inner_text()
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "3-list")

    page.select_option("select[name=status]", "within_grace")
    page.click("main form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=work-certificate-row]").count() == 1
    assert "冯*月" in page.inner_text("main")
