"""Issue 16: the subsidy pipeline across roles in a real browser — the worker applies, HR sends it
to 公示, someone files an objection, the notice runs out (time-machine), HR resolves the
objection and approves, the payment officer batches, exports and marks paid, the worker sees
已发放. Screenshots of each step go to test-results/subsidy-journey/."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from certification.models.subsidies import ApplicationStatus as S
from certification.models.subsidies import SubsidyApplication
from tests.browser.journey import login, screenshot, with_passwords
from tests.certification.test_subsidies import make_cert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/subsidy-journey")


def _users(*users):
    with_passwords(*users)


def _login(page, live_server, email):
    login(page, live_server, email)


def _shot(page, name):
    screenshot(page, SHOTS, name)


def test_an_application_goes_from_review_through_notice_and_objection_to_paid(
    live_server, page, cast, regions
):
    from tests.certification.test_subsidies import _ensure_standard

    _ensure_standard()  # transactional tests flush seeded standards
    _users(cast.worker_user, cast.hr_reviewer, cast.hr_payment, cast.outsider)
    make_cert(cast.worker)
    url = live_server.url

    # The worker applies.
    _login(page, live_server, cast.worker_user.email)
    page.goto(f"{url}/subsidies/eligibility/")
    card = page.locator(".subsidy-option[data-type=evaluation]")
    card.locator("input[name=pledge]").check()
    card.locator("button", has_text="申请").click()
    assert "已提交" in page.inner_text("body")
    app = SubsidyApplication.objects.get(person=cast.worker)
    _shot(page, "1-applied")

    # HR reviews and sends it to 公示.
    _login(page, live_server, cast.hr_reviewer.email)
    page.goto(f"{url}/subsidies/review/")
    page.click(f"a[href='/subsidies/review/{app.pk}/']")
    page.click("button[value=approve_notice]")
    assert "公示中" in page.inner_text("h1")
    page.goto(f"{url}/subsidies/approval/")
    assert f"/subsidies/review/{app.pk}/" in page.inner_html("#notice")
    _shot(page, "2-under-notice")

    # A logged-in member of the public files an objection during the notice.
    _login(page, live_server, cast.outsider.email)
    page.goto(f"{url}/subsidies/notice/")
    assert "王*育" in page.inner_text("body")
    page.fill("textarea[name=text]", "据悉此人已离职")
    page.click("text=提交异议")
    assert "异议已提交" in page.inner_text("body")
    _shot(page, "3-objection-filed")

    app.refresh_from_db()
    after_notice = dt.datetime.combine(
        app.notice_end + dt.timedelta(days=1), dt.time(10), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(after_notice, tick=True):
        # The notice has run out: HR sees it ready but blocked by the open objection.
        _login(page, live_server, cast.hr_reviewer.email)
        page.goto(f"{url}/subsidies/objections/")
        assert "据悉此人已离职" in page.inner_text("body") and "待处理" in page.inner_text("body")
        page.goto(f"{url}/subsidies/approval/")
        assert f"/subsidies/review/{app.pk}/" in page.inner_html("#ready")
        _shot(page, "4-final-approval-list")
        page.click(f"#ready a[href='/subsidies/review/{app.pk}/']")
        page.click("button[value=approve]")
        assert "存在未处理的异议" in page.inner_text("body")
        page.fill("textarea[name=resolution]", "经核实仍在职，异议不成立")
        page.click("button[value=dismiss]")
        assert "异议不成立：经核实仍在职" in page.inner_text("#objections")
        page.click("button[value=approve]")
        assert "已批准" in page.inner_text("h1")
        _shot(page, "5-approved")

    # The payment officer builds this month's batch, exports it and marks it paid.
    _login(page, live_server, cast.hr_payment.email)
    page.goto(f"{url}/subsidies/batches/")
    page.check(f"input[name=application][value='{app.pk}']")
    page.click("button[value=build_selected]")
    assert "1 笔" in page.inner_text("body")
    assert "300.00" in page.inner_text("#batches")
    _shot(page, "6-batch-built")
    with page.expect_download() as dl:
        page.click("#batches button[value=export]")
    rows = list(
        load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert rows[1][0] == app.pk and Decimal(str(rows[-1][-1])) == Decimal("300")
    page.goto(f"{url}/subsidies/batches/")
    page.fill("#batches input[name=bank_reference]", "BANK-2026-12")
    page.click("#batches button[value=paid]")
    assert "已标记支付" in page.inner_text("body")
    _shot(page, "7-paid")

    # The worker sees every state, ending with 已发放.
    _login(page, live_server, cast.worker_user.email)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{url}/subsidies/mine/")
    body = page.inner_text("body")
    for label in ("已提交", "公示中", "已批准", "待支付", "已发放"):
        assert label in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "8-applicant-sees-paid")
    app.refresh_from_db()
    assert app.status == S.PAID
