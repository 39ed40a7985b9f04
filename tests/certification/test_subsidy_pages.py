"""D-27/D-29 worker pages: eligibility preview, apply, my applications, withdraw."""

import datetime as dt
import itertools
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from certification.models import Certificate
from certification.models.subsidies import ApplicationStatus as S
from certification.models.subsidies import SubsidyApplication, SubsidyType
from tests.factories import PersonFactory, UserFactory

_n = itertools.count(1)


def make_cert(person, *, kind="skill_level", level=4, issued=None):
    n = next(_n)
    return Certificate.objects.create(
        kind=kind,
        serial=f"T-PG-{n:05d}",
        verification_code=f"vc-pg-{n:05d}",
        person=person,
        issuer_name="测试基地",
        occupation="4-10-01-03",
        level=level,
        issue_date=issued or timezone.localdate() - dt.timedelta(days=30),
    )


def apply(client, cert, stype=SubsidyType.EVALUATION, pledge=True):
    data = {"certificate": cert.pk, "subsidy_type": stype}
    if pledge:
        data["pledge"] = "on"
    return client.post(reverse("certification:subsidy_apply"), data, follow=True)


def _text(response) -> str:
    """The page as a reader hears it: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_worker_sees_each_check_with_its_reason_and_the_amount(client, cast):
    make_cert(cast.worker)
    make_cert(cast.worker, issued=timezone.localdate() - dt.timedelta(days=800))
    client.force_login(cast.worker_user)
    resp = client.get(reverse("certification:subsidy_eligibility"))
    html = resp.content.decode()
    assert resp.status_code == 200
    text = _text(resp)
    assert "✓ 通过： 未在禁入名单中" in text
    assert "✗ 未通过： 须在发证之日起12个月内申请" in text  # the old certificate
    assert "✗ 未通过： 该证书类型不在此项补贴的支持范围内" in text  # skill certificate vs training
    assert "¥300.00" in html
    assert "申请</button>" in html


def test_each_subsidy_is_one_line_with_its_first_reason_and_the_checks_folded(client, cast):
    make_cert(cast.worker)
    client.force_login(cast.worker_user)
    html = client.get(reverse("certification:subsidy_eligibility")).content.decode()
    # One certificate: one card, one line per subsidy type, each with its checks in <details>.
    assert html.count('<section class="card"') == 1
    assert html.count('class="subsidy-option"') == 3 == html.count("<details>")
    training = html.split('data-type="training"')[1].split("<details>")[0]
    assert "不符合条件" in training and "该证书类型不在此项补贴的支持范围内" in training


def test_a_user_without_a_person_is_sent_to_claim(client, cast):
    client.force_login(cast.outsider)
    resp = client.get(reverse("certification:subsidy_eligibility"))
    assert resp.status_code == 302 and resp.url == reverse("certification:claim")


def test_applying_creates_a_submitted_application_with_the_amount_snapshotted(client, cast):
    cert = make_cert(cast.worker)
    client.force_login(cast.worker_user)
    resp = apply(client, cert)
    assert resp.redirect_chain[-1][0] == reverse("certification:my_subsidy_applications")
    app = SubsidyApplication.objects.get(person=cast.worker)
    assert app.status == S.SUBMITTED and app.amount == Decimal("300.00")
    assert app.eligibility and all(c["passed"] for c in app.eligibility)
    html = resp.content.decode()
    assert "已提交" in html and "¥300.00" in html and "撤回申请" in html


def test_applying_without_the_pledge_is_refused_and_leaves_nothing(client, cast):
    cert = make_cert(cast.worker)
    client.force_login(cast.worker_user)
    resp = apply(client, cert, pledge=False)
    assert "请确认诚信承诺" in resp.content.decode()
    assert not SubsidyApplication.objects.filter(person=cast.worker).exists()


def test_applying_twice_shows_the_refusal_and_keeps_one_application(client, cast):
    cert = make_cert(cast.worker)
    client.force_login(cast.worker_user)
    apply(client, cert)
    resp = apply(client, cert)
    html = resp.content.decode()
    assert resp.redirect_chain[-1][0] == reverse("certification:subsidy_eligibility")
    assert "不符合申请条件" in html
    assert SubsidyApplication.objects.filter(person=cast.worker).count() == 1


def test_worker_withdraws_a_submitted_application_and_sees_its_history(client, cast):
    cert = make_cert(cast.worker)
    client.force_login(cast.worker_user)
    apply(client, cert)
    app = SubsidyApplication.objects.get(person=cast.worker)
    resp = client.post(reverse("certification:subsidy_withdraw", args=[app.pk]), follow=True)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    html = resp.content.decode()
    assert "已撤回" in html and "撤回申请</button>" not in html


def test_another_worker_cannot_see_or_withdraw_someone_elses_application(client, cast):
    cert = make_cert(cast.worker)
    client.force_login(cast.worker_user)
    apply(client, cert)
    app = SubsidyApplication.objects.get(person=cast.worker)
    other_user = UserFactory()
    PersonFactory(user=other_user)
    client.force_login(other_user)
    assert (
        f"#{app.pk} "
        not in client.get(reverse("certification:my_subsidy_applications")).content.decode()
    )
    resp = client.post(reverse("certification:subsidy_withdraw", args=[app.pk]))
    assert resp.status_code == 404
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_the_status_notification_links_to_my_applications(client, cast):
    from certification.models import Notification

    client.force_login(cast.worker_user)
    apply(client, make_cert(cast.worker))
    note = Notification.objects.get(recipient_user=cast.worker_user, kind="subsidy")
    assert note.link == reverse("certification:my_subsidy_applications")
    assert client.get(note.link).status_code == 200


def _choose(client, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})


def test_eligibility_reasons_read_in_the_language_the_user_chose(client, cast):
    make_cert(cast.worker, issued=timezone.localdate() - dt.timedelta(days=800))
    client.force_login(cast.worker_user)
    url = reverse("certification:subsidy_eligibility")
    zh = _text(client.get(url))
    assert "✓ 通过： 未在禁入名单中" in zh and "✗ 未通过： 须在发证之日起12个月内申请" in zh
    assert "Not on the ban register" not in zh

    _choose(client, "en")
    en = _text(client.get(url))
    assert "✓ Passed: Not on the ban register" in en
    assert "✗ Not passed: Apply within 12 months of the issue date (deadline" in en
    assert "须在发证之日起" not in en and "未在禁入名单中" not in en
    assert "Not eligible" in en and "See every check" in en


def test_the_reviewer_reads_the_snapshotted_reasons_in_their_own_language(client, cast):
    client.force_login(cast.worker_user)
    apply(client, make_cert(cast.worker))
    app = SubsidyApplication.objects.get(person=cast.worker)
    assert any(c["reason"] == "未在禁入名单中" for c in app.eligibility)  # Chinese record kept
    client.force_login(cast.hr_reviewer)
    page = reverse("certification:subsidy_review", args=[app.pk])
    assert "✓ 未在禁入名单中" in client.get(page).content.decode()
    _choose(client, "en")
    en = client.get(page).content.decode()
    assert "✓ Not on the ban register" in en and "未在禁入名单中" not in en


def test_an_old_snapshot_without_a_msgid_is_shown_as_stored(client, cast):
    client.force_login(cast.worker_user)
    apply(client, make_cert(cast.worker))
    app = SubsidyApplication.objects.get(person=cast.worker)
    app.eligibility = [
        {"name": "within_window", "passed": True, "reason": "在发证后12个月内（旧）"}
    ]
    app.save(update_fields=["eligibility"])
    client.force_login(cast.hr_reviewer)
    _choose(client, "en")
    html = client.get(reverse("certification:subsidy_review", args=[app.pk])).content.decode()
    assert "✓ 在发证后12个月内（旧）" in html
