"""Policy tables as data with effective dates (issue 15; DOMAIN preamble, D-7, D-14, D-27,
D-28): regulators keep the learning tables, HR reviewers the subsidy tables, each for their own
region subtree, through /policies/; a version in effect is superseded, never edited."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.models import (
    AuditEvent,
    LearningPolicy,
    SubsidyPolicy,
    SubsidyStandard,
    UrgentOccupation,
)
from certification.models.certificates import Occupation
from certification.selectors.rules import learning_policy_for
from certification.selectors.subsidies import amount_for, policy_for

TODAY = timezone.localdate


def _standard_form(region, **over):
    data = {
        "region": region.pk,
        "subsidy_type": "training",
        "level": "",
        "amount": "2000.00",
        "effective_from": TODAY().isoformat(),
        "effective_to": "",
        "note": "昆明市人社局 2026 年标准",
    }
    data.update(over)
    return data


def _learning_form(region, **over):
    data = {
        "region": region.pk,
        "programme_start": "2021-01-01",
        "minutes_per_class_hour": "45",
        "daily_cap_hours": "4",
        "cycle_alignment": "anchor",
        "reminder_days": "120，30",
        "backdate_days": "15",
        "effective_from": TODAY().isoformat(),
        "effective_to": "",
        "note": "",
    }
    data.update(over)
    return data


def test_each_role_sees_the_tables_it_keeps_and_others_are_refused_audited(client, cast):
    client.force_login(cast.hr_reviewer)
    page = client.get(reverse("certification:policy_index")).content.decode()
    assert "补贴标准" in page and "紧缺职业" in page and "补贴政策参数" in page
    assert "学时计算政策" not in page
    client.force_login(cast.regulator)
    page = client.get(reverse("certification:policy_index")).content.decode()
    assert "学时计算政策" in page and "补贴标准" not in page
    dashboard = client.get(reverse("certification:regulator_dashboard")).content.decode()
    assert reverse("certification:policy_index") in dashboard

    assert (
        client.get(reverse("certification:policy_list", args=["subsidy-standards"])).status_code
        == 403
    )
    client.force_login(cast.worker_user)
    assert client.get(reverse("certification:policy_index")).status_code == 403
    assert (
        client.get(reverse("certification:policy_list", args=["no-such-table"])).status_code == 404
    )
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


def test_hr_sets_a_regional_subsidy_amount_that_applications_then_use(client, cast, regions):
    national = amount_for(
        region=regions.wuhua, subsidy_type="training", occupation="", level=None, on=TODAY()
    )
    client.force_login(cast.hr_reviewer)
    url = reverse("certification:policy_create", args=["subsidy-standards"])
    resp = client.post(url, _standard_form(regions.kunming))

    assert resp.status_code == 302
    row = SubsidyStandard.objects.get(region=regions.kunming)
    assert row.amount == Decimal("2000.00") and national != Decimal("2000.00")
    # Follow the data: an application in 五华区 (under 昆明市) is now paid the city's amount.
    assert amount_for(
        region=regions.wuhua, subsidy_type="training", occupation="", level=None, on=TODAY()
    ) == Decimal("2000.00")
    event = AuditEvent.objects.get(action="policy.standard.create")
    assert event.actor == cast.hr_reviewer and event.data["amount"] == "2000.00"
    listing = client.get(reverse("certification:policy_list", args=["subsidy-standards"]))
    assert reverse("certification:policy_edit", args=["subsidy-standards", row.pk]) in (
        listing.content.decode()
    )
    national_rows = [r for r in listing.context["parts"]["in_force"] if r.region_id is None]
    assert national_rows and not any(r.editable for r in national_rows)


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"amount": "0"}, "amount", "应大于 0"),
        ({"amount": "abc"}, "amount", "数"),
        ({"effective_from": "2020-01-01"}, "effective_from", "不能早于今天"),
    ],
)
def test_a_bad_amount_or_date_is_refused_with_its_reason_and_nothing_saved(
    client, cast, regions, over, field, words
):
    client.force_login(cast.hr_reviewer)
    url = reverse("certification:policy_create", args=["subsidy-standards"])
    resp = client.post(url, _standard_form(regions.kunming, **over))
    assert resp.status_code == 200
    assert any(words in e for e in resp.context["form"].errors[field])
    assert not SubsidyStandard.objects.filter(region=regions.kunming).exists()


def test_hr_of_another_region_cannot_write_or_edit_here(client, cast, regions):
    row = SubsidyStandard.objects.create(
        region=regions.kunming,
        subsidy_type="training",
        amount=Decimal("1800"),
        effective_from=TODAY() - dt.timedelta(days=30),
    )
    client.force_login(cast.other_hr_reviewer)
    url = reverse("certification:policy_create", args=["subsidy-standards"])
    resp = client.post(url, _standard_form(regions.kunming))
    assert resp.status_code == 200 and "region" in resp.context["form"].errors
    edit = reverse("certification:policy_edit", args=["subsidy-standards", row.pk])
    assert client.get(edit).status_code == 403
    assert SubsidyStandard.objects.filter(region=regions.kunming).count() == 1


def test_revising_a_standard_in_effect_supersedes_it_and_keeps_the_old_amount(
    client, cast, regions
):
    old = SubsidyStandard.objects.create(
        region=regions.kunming,
        subsidy_type="training",
        amount=Decimal("1800"),
        effective_from=TODAY() - dt.timedelta(days=30),
    )
    starts = TODAY() + dt.timedelta(days=10)
    client.force_login(cast.hr_reviewer)
    edit = reverse("certification:policy_edit", args=["subsidy-standards", old.pk])
    resp = client.post(
        edit, {"amount": "2200", "effective_from": starts.isoformat(), "effective_to": ""}
    )

    assert resp.status_code == 302
    old.refresh_from_db()
    assert old.amount == Decimal("1800") and old.effective_to == starts - dt.timedelta(days=1)
    before, after = (
        amount_for(region=regions.kunming, subsidy_type="training", occupation="", level=None, on=d)
        for d in (TODAY(), starts)
    )
    assert (before, after) == (Decimal("1800"), Decimal("2200"))
    assert AuditEvent.objects.filter(action="policy.standard.supersede").count() == 1


def test_an_urgent_occupation_uplifts_the_amount_in_its_region(client, cast, regions):
    client.force_login(cast.hr_reviewer)
    url = reverse("certification:policy_create", args=["urgent-occupations"])
    base = amount_for(
        region=regions.wuhua,
        subsidy_type="evaluation",
        occupation=Occupation.CHILDCARE_WORKER,
        level=3,
        on=TODAY(),
    )
    resp = client.post(
        url,
        {
            "region": regions.kunming.pk,
            "occupation": Occupation.CHILDCARE_WORKER,
            "max_level_number": "3",
            "uplift_percent": "20",
            "effective_from": TODAY().isoformat(),
        },
    )
    assert resp.status_code == 302, resp.context["form"].errors
    assert UrgentOccupation.objects.filter(region=regions.kunming).count() == 1
    uplifted = amount_for(
        region=regions.wuhua,
        subsidy_type="evaluation",
        occupation=Occupation.CHILDCARE_WORKER,
        level=3,
        on=TODAY(),
    )
    assert base is not None and uplifted == (base * Decimal("1.2")).quantize(Decimal("0.01"))


def test_hr_changes_the_notice_period_for_their_region(client, cast, regions):
    client.force_login(cast.hr_reviewer)
    url = reverse("certification:policy_create", args=["subsidy-policy"])
    data = {
        f.name: getattr(SubsidyPolicy(), f.name)
        for f in SubsidyPolicy._meta.concrete_fields
        if f.name not in ("id", "region", "effective_from", "effective_to", "note")
    }
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update(
        region=regions.kunming.pk, notice_working_days="7", effective_from=TODAY().isoformat()
    )
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.context["form"].errors
    assert policy_for(region=regions.wuhua, on=TODAY()).notice_working_days == 7
    assert policy_for(region=regions.lanzhou, on=TODAY()).notice_working_days != 7

    data.update(per_type_per_year="5", total_per_year="3", effective_from=TODAY().isoformat())
    resp = client.post(url, {**data, "region": regions.wuhua.pk})
    assert "每年总次数" in str(resp.context["form"].errors["per_type_per_year"])


def test_a_regulator_sets_the_regional_learning_policy_and_compliance_is_recomputed(
    client, cast, regions, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(
        "certification.tasks.compliance.recompute_compliance.apply_async",
        lambda *a, **kw: calls.append(a),
    )
    client.force_login(cast.regulator)
    url = reverse("certification:policy_create", args=["learning"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(url, _learning_form(regions.kunming))

    assert resp.status_code == 302, resp.context["form"].errors
    policy = learning_policy_for(regions.wuhua, TODAY())
    assert policy.region_id == regions.kunming.pk
    assert (policy.daily_cap_hours, policy.reminder_days) == (Decimal("4"), [120, 30])
    assert len(calls) == 1
    assert AuditEvent.objects.filter(action="policy.learning.create").exists()

    for over, field in (
        ({"minutes_per_class_hour": "30"}, "minutes_per_class_hour"),
        ({"reminder_days": "90, x"}, "reminder_days"),
        ({"reminder_days": "30, 30"}, "reminder_days"),
        ({"daily_cap_hours": "0"}, "daily_cap_hours"),
    ):
        resp = client.post(url, _learning_form(regions.wuhua, **over))
        assert resp.status_code == 200 and field in resp.context["form"].errors, over
    assert not LearningPolicy.objects.filter(region=regions.wuhua).exists()
