"""D-38 in a real browser at a phone's 375 px: a regulator records a finding and a commendation
against an institution, anyone opens the institution's public credit summary (no login, no
personal data) from the public search, and the regulator exports the records for the provincial
credit platform. Every page fits the width and passes axe-core. Screenshots go to
test-results/credit-journey/."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from certification.models import AuditEvent, Certificate, CreditRecord
from tests.browser.journey import login, screenshot, with_passwords
from tests.browser.test_accessibility import _serious_violations
from tests.factories import CertificateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/credit-journey")
WIDTH = 375


def _fits_and_passes_axe(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
    assert _serious_violations(page) == [], page.url


def _record(page, url, orgs, regions, *, kind, decision_number, summary):
    page.goto(f"{url}/credit/")
    page.click("text=登记记录")
    page.check("input[name=subject_kind][value=organisation]")
    page.select_option("select[name=organisation]", str(orgs.institution.pk))
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=decision_number]", decision_number)
    page.fill("input[name=authority]", "昆明市卫生健康委员会")
    page.fill("input[name=decision_date]", "2026-11-20")
    page.fill("textarea[name=summary]", summary)
    page.select_option("select[name=region]", str(regions.wuhua.pk))
    _fits_and_passes_axe(page)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    assert decision_number in page.inner_text("[data-testid=credit-record]")


def test_a_regulator_records_and_the_public_sees_the_organisations_summary(
    live_server, page, cast, orgs, regions
):
    with_passwords(cast.regulator)
    url = live_server.url
    page.set_viewport_size({"width": WIDTH, "height": 800})
    login(page, live_server, cast.regulator.email)

    _record(
        page,
        url,
        orgs,
        regions,
        kind="other_violation",
        decision_number="昆卫罚〔2026〕31号",
        summary="超范围收托，责令整改",
    )
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "1-finding-recorded")
    _record(
        page,
        url,
        orgs,
        regions,
        kind="commendation",
        decision_number="昆卫表〔2026〕8号",
        summary="市级示范托育机构",
    )
    assert CreditRecord.objects.filter(organisation=orgs.institution).count() == 2

    page.goto(f"{url}/credit/")
    table = page.inner_text("[data-testid=credit-records]")
    assert "昆卫罚〔2026〕31号" in table and "昆卫表〔2026〕8号" in table
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "2-list")

    # The public, signed out, finds the institution from the footer's search.
    page.context.clear_cookies()
    page.goto(f"{url}/verify/")
    page.click("footer >> text=机构信用查询")
    page.fill("input[name=q]", "阳光")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    _fits_and_passes_axe(page)
    page.click(f"text={orgs.institution.name}")
    page.wait_for_load_state()
    body = page.inner_text("main")
    assert "昆卫罚〔2026〕31号" in page.inner_text("[data-testid=credit-findings]")
    assert "昆卫表〔2026〕8号" in page.inner_text("[data-testid=credit-commendations]")
    assert orgs.institution.credit_code in body
    for personal in (cast.worker.name, cast.worker.id_masked, "超范围收托"):
        assert personal not in body
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "3-public-summary")

    # The regulator exports for the provincial credit platform.
    login(page, live_server, cast.regulator.email)
    page.goto(f"{url}/credit/")
    with page.expect_download() as download:
        page.click("text=导出 Excel（省信用平台）")
    rows = list(
        load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert {r[2] for r in rows[1:]} == {orgs.institution.credit_code}
    assert {r[7] for r in rows[1:]} == {"昆卫罚〔2026〕31号", "昆卫表〔2026〕8号"}
    assert AuditEvent.objects.filter(action="credit.export", actor=cast.regulator).exists()


def test_a_regulator_revokes_a_certificate_for_false_training(live_server, page, cast, orgs):
    """From the holder's page: 虚假培训 revokes the certificate and records the holder and the
    issuing base in one step; the base's public summary shows the finding, not the holder."""
    certificate = CertificateFactory(person=cast.worker, issuer=orgs.base)
    with_passwords(cast.regulator)
    url = live_server.url
    page.set_viewport_size({"width": WIDTH, "height": 800})
    login(page, live_server, cast.regulator.email)
    page.goto(f"{url}/people/{cast.worker.pk}/")
    page.click("[data-testid=certificates] >> text=撤销…")
    page.wait_for_load_state()
    page.fill("input[name=reason]", "未实际参训即发证")
    page.select_option("select[name=reason_kind]", "false_training")
    page.fill("input[name=decision_number]", "云卫监〔2026〕21号")
    page.fill("input[name=authority]", "云南省卫生健康委员会")
    page.fill("input[name=decision_date]", "2026-12-01")
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "4-revoke-for-fraud")
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    assert "已撤销" in page.inner_text("[data-testid=certificates]")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert CreditRecord.objects.filter(certificate=certificate).count() == 2

    page.context.clear_cookies()
    page.goto(f"{url}/verify/{certificate.verification_code}/")
    page.click("text=信用信息")
    page.wait_for_load_state()
    assert "云卫监〔2026〕21号" in page.inner_text("[data-testid=credit-findings]")
    assert cast.worker.name not in page.inner_text("main")
    _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "5-base-public-summary")
