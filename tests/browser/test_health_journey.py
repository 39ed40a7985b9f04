"""Issue 20 (D-36), in a real browser at a phone's 375 px and a desk's 1366 px: an institution
admin sees one person overdue on the dashboard, records that person's new health check through
the form (a missing certificate number is refused first), imports a sheet with the newcomer's
check, and sees the due/overdue counts move. Every page fits the width and passes axe-core.
Screenshots go to test-results/health-journey/."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from certification.models import HealthCheck
from certification.services.health import COLUMNS
from tests.browser.journey import login, screenshot, with_passwords
from tests.factories import (
    EmploymentFactory,
    HealthCheckFactory,
    HealthTrainingFactory,
    PersonFactory,
    new_id_number,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/health-journey")
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"


def _fits_and_passes_axe(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.add_script_tag(path=str(AXE))
    serious = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)"""
    )
    assert serious == [], "\n".join(serious)


def _count(page, status) -> int:
    return int(page.inner_text(f"[data-testid=health-counts] [data-count={status}]"))


def _sheet(rows) -> bytes:
    book = Workbook()
    book.active.append(list(COLUMNS))
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("width", [375, 1366])
def test_an_institution_admin_records_and_imports_health_checks(
    live_server, page, cast, orgs, width
):
    assert AXE.exists(), "make installs axe-core (npm ci) before the browser tests"
    today = timezone.localdate()
    with_passwords(cast.institution_admin)
    # The caregiver is fine; the director's certificate lapsed yesterday; a newcomer is unchecked.
    HealthCheckFactory(person=cast.worker, institution=orgs.institution)
    HealthTrainingFactory(person=cast.worker, institution=orgs.institution)
    HealthCheckFactory(
        person=cast.director,
        institution=orgs.institution,
        check_date=today - dt.timedelta(days=380),
        valid_until=today - dt.timedelta(days=1),
    )
    HealthTrainingFactory(person=cast.director, institution=orgs.institution)
    number = new_id_number()
    newcomer = PersonFactory(name="孙新人", id_number=number)
    EmploymentFactory(person=newcomer, institution=orgs.institution)
    page.set_viewport_size({"width": width, "height": 900})
    url = live_server.url

    login(page, live_server, cast.institution_admin.email)
    page.goto(f"{url}/institution/dashboard/")
    assert (_count(page, "overdue"), _count(page, "missing"), _count(page, "due")) == (1, 1, 0)
    assert "健康证已过期" in page.inner_text("[data-testid=health-flag]")
    _fits_and_passes_axe(page, width)
    screenshot(page, SHOTS, f"{width}-1-dashboard")

    # The overdue director: a fit result without a certificate number is refused, then saved.
    page.locator("a.btn", has_text="年度健康管理").click()
    page.select_option("#health-status", "overdue")
    page.click("form.card button[type=submit]")
    assert page.locator("[data-testid=health-people] tbody tr").count() == 1
    _fits_and_passes_axe(page, width)
    page.click("text=登记李园长的体检")
    page.fill("#id_hospital", "五华区妇幼保健院")
    page.check("#id_result_0")
    page.locator("form.card button[type=submit]").click()
    assert "体检合格时请填写健康证号" in page.inner_text("main")
    _fits_and_passes_axe(page, width)
    screenshot(page, SHOTS, f"{width}-2-check-refused")
    page.fill("#id_certificate_number", "JK-2026-0088")
    page.fill("#id_valid_until", (today + dt.timedelta(days=364)).isoformat())
    page.locator("form.card button[type=submit]").click()
    assert "已登记 李园长 的年度体检" in page.inner_text("main")
    assert HealthCheck.objects.get(person=cast.director, check_date=today).result == "fit"

    # The newcomer's check comes from a sheet; the certificate lapses within the month.
    page.click("text=Excel 导入体检记录")
    _fits_and_passes_axe(page, width)
    sheet = _sheet(
        [
            (
                "孙新人",
                "居民身份证",
                number,
                (today - dt.timedelta(days=3)).isoformat(),
                "合格",
                "昆明市第一人民医院",
                "JK-2026-0099",
                (today + dt.timedelta(days=20)).isoformat(),
            )
        ]
    )
    page.set_input_files(
        "input[type=file]",
        {"name": "体检.xlsx", "mimeType": "application/octet-stream", "buffer": sheet},
    )
    page.locator("form.card button[type=submit]").click()
    assert "已导入 1 条体检记录" in page.inner_text("main")
    screenshot(page, SHOTS, f"{width}-3-imported")

    page.goto(f"{url}/institution/dashboard/")
    assert (_count(page, "overdue"), _count(page, "missing"), _count(page, "due")) == (0, 0, 1)
    assert page.locator("[data-testid=health-flag]").count() == 0
    _fits_and_passes_axe(page, width)
    screenshot(page, SHOTS, f"{width}-4-dashboard-after")
