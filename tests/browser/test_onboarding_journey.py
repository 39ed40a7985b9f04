"""Issue 15: a province is onboarded from nothing in a real browser. Two system administrators
create and approve a region administrator for 甘肃省; the region administrator registers an
institution and a training base with its accreditation, invites HR, a regulator and the
institution's administrator (the sensitive grants approved by a second administrator); the
institution administrator uploads a roster of 50 with one banned person: refused whole with the
hit audited, then 49 employed. Screenshots go to test-results/province-onboarding/."""

import io
import re
import time
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from openpyxl import Workbook
from wagtail.models import Site

from certification.idnumbers import uscc_check_char
from certification.models import (
    AuditEvent,
    BanCheck,
    Employment,
    Organisation,
    RoleGrant,
    StaffMembership,
    StaffRole,
)
from certification.services.staff_roster import COLUMNS
from cms.models import CoursePage
from tests.browser.journey import PASSWORD, login, screenshot, with_passwords
from tests.factories import BanEntryFactory, PersonFactory, UserFactory, membership, new_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/province-onboarding")


def _credit_code(seed: str) -> str:
    first17 = f"12620100MB{seed:0>7}"[:17]
    return first17 + uscc_check_char(first17)


def _shot(page, name):
    screenshot(page, SHOTS, name)


def _code(secret: str) -> str:
    # allauth accepts only the current 30 s window: a code read in its last seconds may reach
    # the server in the next one, so wait for a fresh window then, as a person would.
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < 5:
        time.sleep(left + 0.2)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _login(page, url, email):
    """Password, then the authenticator app's code (every administrator here has TOTP)."""
    login(page, url, email)
    assert "/2fa/authenticate/" in page.url, page.url
    # allauth refuses a code twice in one 30 s window; the phone here is a function, so the
    # window's used-code marks are cleared rather than waiting for the next window.
    cache.clear()
    page.fill("#id_code", _code(SECRETS[email]))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


SECRETS: dict[str, str] = {}


def _sysadmin(email):
    user = UserFactory(email=email, display_name=email.split("@")[0])
    with_passwords(user)
    membership(user, StaffRole.SYSADMIN)
    SECRETS[email] = generate_totp_secret()
    TOTP.activate(user, SECRETS[email])
    return user


def _invite(page, url, *, name, email, role, region=None, organisation=None):
    page.goto(f"{url}/manage/grants/new/")
    page.fill("#id_display_name", name)
    page.fill("#id_email", email)
    page.select_option("#id_role", role)
    if region:
        page.select_option("#id_region", label=region)
    if organisation:
        page.select_option("#id_organisation", label=organisation)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return RoleGrant.objects.filter(email=email).latest("pk")


def _approve(page, url, grant):
    page.goto(f"{url}/manage/grants/?status=pending_approval")
    page.locator(f"tr[data-grant='{grant.pk}'] button[value=approve]").click()
    page.wait_for_load_state()


def _accept_invitation(page, url, email):
    """The invitee sets a password and, being staff, is sent straight to two-step setup: the app's
    secret is read off the page as a phone would scan it, the code typed, the recovery codes shown
    with the way back into the app."""
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    token = re.search(r"/invite/(\S+?)/", message.body).group(1)
    page.context.clear_cookies()
    page.goto(f"{url}/invite/{token}/")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("mfa_activate_totp")), page.url
    secret = page.input_value("#authenticator_secret")
    assert len(secret) == 32 and page.locator("main img[src^='data:image/svg']").count() == 1
    page.fill("#id_code", _code(secret))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("mfa_view_recovery_codes")), page.url
    assert len(page.input_value("#recovery_codes").split()) >= 10
    _shot(page, f"recovery-codes-{email.split('@')[0]}")
    page.click("#recovery-continue")
    page.wait_for_load_state()
    assert Authenticator.objects.filter(user__email=email, type="totp").exists()


def _roster_file(tmp_path, rows) -> Path:
    book = Workbook()
    book.active.append(list(COLUMNS))
    for row in rows:
        book.active.append(list(row))
    path = tmp_path / "花名册.xlsx"
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def test_a_province_is_onboarded_from_nothing_to_a_roster_of_49(
    live_server, page, regions, tmp_path, settings
):
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # invitation links point at this server
    settings.MFA_REQUIRED_FOR_STAFF = True  # as in production: staff enrol TOTP before anything
    url = live_server.url
    sys1, sys2 = _sysadmin("sys1@gansu.test"), _sysadmin("sys2@gansu.test")
    root = Site.objects.get(is_default_site=True).root_page
    root.add_child(
        instance=CoursePage(
            title="保育师培训", slug="gs-course", code="GS-1", audience_roles=["caregiver"]
        )
    )

    # 1. A system administrator asks for a region administrator; a second one approves.
    _login(page, url, sys1.email)
    grant = _invite(
        page, url, name="甘肃管理员", email="ga@gansu.test", role="region_admin", region="甘肃省"
    )
    assert grant.status == RoleGrant.Status.PENDING_APPROVAL
    page.goto(f"{url}/manage/grants/?status=pending_approval")
    assert "等待另一位管理员复核" in page.inner_text(f"tr[data-grant='{grant.pk}']")
    _login(page, url, sys2.email)
    _approve(page, url, grant)
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.INVITED and grant.approved_by == sys2
    _shot(page, "1-region-admin-approved")

    # 2. The region administrator accepts and registers an institution and a training base.
    _accept_invitation(page, url, "ga@gansu.test")
    region_admin = StaffMembership.objects.get(role=StaffRole.REGION_ADMIN, region=regions.gansu)
    for kind, name, seed in (
        ("institution", "兰州市城关区阳光托育园", "1"),
        ("training_base", "兰州市托育从业人员培训基地", "2"),
    ):
        page.goto(f"{url}/manage/organisations/new/")
        page.select_option("#id_kind", kind)
        page.fill("#id_name", name)
        page.fill("#id_credit_code", _credit_code(seed))
        page.select_option("#id_region", label="兰州市")
        page.select_option("#id_nature", label="非营利性")
        page.fill("#id_address", "兰州市城关区")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert Organisation.objects.filter(name=name).exists(), page.inner_text("main")
    base = Organisation.objects.get(kind="training_base")
    institution = Organisation.objects.get(kind="institution")
    page.goto(f"{url}/manage/organisations/{base.pk}/")
    page.check("input[name=courses]")
    page.fill("#id_valid_from", "2026-01-01")
    page.fill("#id_valid_to", "2028-12-31")
    page.locator("form[action$='/accreditations/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert base.accreditations.count() == 1
    _shot(page, "2-organisations")

    # 3. Staff invitations: HR and the regulator wait for a second administrator (here a system
    # administrator); the institution's administrator is invited at once.
    hr = _invite(
        page, url, name="人社审核", email="hr@gansu.test", role="hr_reviewer", region="兰州市"
    )
    regulator = _invite(
        page, url, name="卫健监管", email="reg@gansu.test", role="regulator", region="兰州市"
    )
    inst = _invite(
        page,
        url,
        name="园长助理",
        email="inst@gansu.test",
        role="institution_admin",
        organisation=institution.name,
    )
    assert (hr.status, regulator.status, inst.status) == ("pending_approval",) * 2 + ("invited",)
    page.goto(f"{url}/manage/grants/?status=pending_approval")
    # Nobody approves their own grant: the region administrator sees no approve button.
    assert page.locator(f"tr[data-grant='{hr.pk}'] button[value=approve]").count() == 0
    _login(page, url, sys1.email)
    _approve(page, url, hr)
    _approve(page, url, regulator)
    assert set(RoleGrant.objects.filter(status="invited").values_list("email", flat=True)) >= {
        "hr@gansu.test",
        "reg@gansu.test",
        "inst@gansu.test",
    }
    _shot(page, "3-grants")

    # 4. The institution administrator accepts and uploads a roster of 50, one of them banned.
    banned_number = new_id_number("620102")
    banned = PersonFactory(name="马禁入", id_number=banned_number, region=regions.lanzhou)
    BanEntryFactory(person=banned, region=regions.lanzhou, authority="兰州市卫生健康委员会")
    rows = [
        (f"员工{i:02d}", "居民身份证", new_id_number("620102"), "保育人员", "2026-09-01", "是", 3)
        for i in range(49)
    ]
    rows.insert(10, ("马禁入", "居民身份证", banned_number, "保育人员", "2026-09-01", "是", 3))
    _accept_invitation(page, url, "inst@gansu.test")
    page.goto(f"{url}/institution/dashboard/")
    page.click("text=导入花名册")
    page.set_input_files("input[type=file]", str(_roster_file(tmp_path, rows)))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    errors = page.inner_text("main")
    assert "12" in errors and "不得从事托育服务" in errors  # row 12 (the header is row 1)
    assert not Employment.objects.filter(institution=institution).exists()  # nothing half-saved
    hit = BanCheck.objects.get(result=BanCheck.Result.HIT)
    assert hit.organisation == institution and hit.purpose == "hiring"
    _shot(page, "4-roster-refused")

    del rows[10]
    page.set_input_files("input[type=file]", str(_roster_file(tmp_path, rows)))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "已导入 49 名员工" in page.inner_text("body")
    assert Employment.objects.filter(institution=institution, end_date__isnull=True).count() == 49
    assert "员工00" in page.inner_text("main")  # the dashboard lists the new staff
    _shot(page, "5-roster-imported")

    # Every step left its audit row.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "grant.request",
        "grant.approve",
        "grant.accept",
        "organisation.create",
        "accreditation.create",
        "employment.create",
    } <= actions
    assert region_admin.user.email == "ga@gansu.test"
