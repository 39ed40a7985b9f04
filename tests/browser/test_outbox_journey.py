"""D-40 in a real browser, on a phone's 375 px: a system administrator adds the national
system as a receiver (the secret typed once, never shown again); a registration's push fails
and is dead-lettered; the administrator finds it on the outbox page with its error and retries
it, and the receiver gets it with the same idempotency key. Every page passes axe-core.
Screenshots go to test-results/outbox-journey/."""

import json
from pathlib import Path

import pytest

from certification.models import AuditEvent, Delivery, DeliveryStatus, Receiver, StaffRole
from certification.services.people import person_create
from tests.browser.journey import login, screenshot, with_passwords
from tests.factories import UserFactory, membership, new_id_number
from tests.outbox_receiver import SECRET, LoopbackReceiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results/outbox-journey")
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
WIDTH = 375


@pytest.fixture
def receiver_server():
    server = LoopbackReceiver().start()
    yield server
    server.release.set()
    server.shutdown()


def _fits_and_passes_axe(page) -> list[str]:
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > WIDTH:
        problems.append(f"{page.url} scrolls sideways ({scroll}px)")
    page.add_script_tag(path=str(AXE))
    problems += page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)"""
    )
    return problems


def test_a_sysadmin_adds_the_national_system_then_retries_a_dead_delivery(
    live_server, page, regions, receiver_server, settings
):
    assert AXE.exists(), "make installs axe-core (npm ci) before the browser tests"
    settings.OUTBOX_MAX_ATTEMPTS = 1  # the first failure dead-letters (production: 8)
    admin = UserFactory(email="sys@example.test", display_name="系统管理员")
    membership(admin, StaffRole.SYSADMIN)
    with_passwords(admin)
    url = live_server.url
    page.set_viewport_size({"width": WIDTH, "height": 800})
    problems: list[str] = []

    login(page, live_server, admin.email)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="数据推送").click()
    page.locator("main").get_by_role("link", name="推送接收方").click()
    page.get_by_role("link", name="添加接收方").click()
    problems += _fits_and_passes_axe(page)
    page.get_by_label("接收方名称").fill("全国托育服务信息管理系统")
    page.get_by_label("接收地址").fill(receiver_server.url)
    page.get_by_label("签名密钥").fill(SECRET)
    page.get_by_label("人员登记").check()
    page.get_by_label("禁入登记").check()
    screenshot(page, SHOTS, "1-add-receiver")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "已添加接收方" in page.inner_text("main")
    assert "全国托育服务信息管理系统" in page.inner_text("main")
    assert SECRET not in page.content()
    problems += _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "2-receivers")
    receiver = Receiver.objects.get()
    assert sorted(receiver.event_types) == ["ban.registered", "person.registered"]

    # The national system is down when a person is registered: the push is dead-lettered.
    receiver_server.replies = [503]
    person_create(
        actor=admin,
        id_type="resident",
        id_number=new_id_number(),
        name="孙保育",
        region=regions.wuhua,
    )
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD

    page.goto(f"{url}/manage/outbox/")
    page.get_by_label("状态").select_option("dead")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    row = page.locator(f"tr[data-delivery='{delivery.pk}']")
    assert "HTTP 503" in row.inner_text() and "人员登记" in row.inner_text()
    problems += _fits_and_passes_axe(page)
    screenshot(page, SHOTS, "3-dead-letter")

    row.get_by_role("button", name="重新推送").click()
    page.wait_for_load_state()
    assert "已重新排入推送" in page.inner_text("main")
    assert page.locator(f"tr[data-delivery='{delivery.pk}']").count() == 0
    screenshot(page, SHOTS, "4-retried")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    first, second = (json.loads(body)["id"] for _h, body in receiver_server.raw)
    assert first == second == str(delivery.event.idempotency_key)
    assert len(receiver_server.applied) == 1
    assert AuditEvent.objects.filter(actor=admin, action="outbox.pending").exists()
    assert problems == [], "\n".join(problems)
