"""Regulators edit requirement rules (D-6, D-15): regional rows only, superseding rules that have
been in effect, specific validation errors, audited, summaries recomputed afterwards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from certification.models import AuditEvent, CycleSummary, RequirementRule
from certification.rules.policy_tables import REQUIREMENTS
from certification.selectors.rules import requirement_rule_for
from certification.services.policies import (
    policy_version_create,
    policy_version_end,
    policy_version_revise,
)
from cms.choices import WorkerRole
from tests.factories import EmploymentFactory, PersonFactory

TODAY = timezone.localdate


def requirement_rule_create(**kw):
    return policy_version_create(table=REQUIREMENTS, **kw)


def requirement_rule_revise(*, rule, **kw):
    return policy_version_revise(table=REQUIREMENTS, row=rule, **kw)


def requirement_rule_end(*, rule, **kw):
    return policy_version_end(table=REQUIREMENTS, row=rule, **kw)


def _form(region, **over):
    data = {
        "role": "caregiver",
        "region": region.pk,
        "total_hours": "150",
        "theory_min": "50",
        "practice_min": "90",
        "cycle_years": "5",
        "yearly_min_hours": "",
        "effective_from": TODAY().isoformat(),
        "effective_to": "",
        "note": "昆明市 2026 年规定",
    }
    data.update(over)
    return data


def _values(**over):
    values = {
        "total_hours": Decimal("150"),
        "theory_min": Decimal("50"),
        "practice_min": Decimal("90"),
        "cycle_years": 5,
        "yearly_min_hours": None,
        "effective_from": TODAY(),
        "effective_to": None,
        "note": "",
    }
    values.update(over)
    return values


def _rule_in_effect(region, role="caregiver", total="130", since_days=400):
    """A regional rule that has been in effect for a while (as if created long ago)."""
    return RequirementRule.objects.create(
        region=region,
        role=role,
        total_hours=Decimal(total),
        theory_min=Decimal("40"),
        practice_min=Decimal("80"),
        cycle_years=5,
        effective_from=TODAY() - dt.timedelta(days=since_days),
    )


@pytest.fixture
def recompute_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "certification.tasks.compliance.recompute_compliance.apply_async",
        lambda *a, **kw: calls.append((a, kw)),
    )
    return calls


def test_a_regulator_lists_their_rules_editable_and_national_and_parent_rules_read_only(
    client, cast, regions
):
    kunming = _rule_in_effect(regions.kunming)
    yunnan = _rule_in_effect(regions.yunnan, total="125")
    _rule_in_effect(regions.lanzhou, total="99")
    client.force_login(cast.regulator)
    page = client.get(reverse("certification:rule_list"))
    assert page.status_code == 200
    in_force = page.context["parts"]["in_force"]
    editable = {r.pk: r.editable for r in in_force}
    assert editable[kunming.pk] is True and editable[yunnan.pk] is False
    national = [r for r in in_force if r.region_id is None]
    assert national and not any(r.editable for r in national)
    assert not any(r.total_hours == Decimal("99") for r in in_force)  # another province
    body = page.content.decode()
    assert reverse("certification:rule_edit", args=[kunming.pk]) in body
    assert reverse("certification:rule_edit", args=[yunnan.pk]) not in body


def test_regulators_see_the_rules_link_in_the_navigation(client, cast):
    client.force_login(cast.regulator)
    body = client.get(reverse("certification:regulator_dashboard")).content.decode()
    assert reverse("certification:rule_list") in body


def test_other_roles_are_denied_and_the_denial_is_audited(client, cast):
    for user in (cast.base_staff, cast.hr_reviewer, cast.institution_admin, cast.worker_user):
        client.force_login(user)
        assert client.get(reverse("certification:rule_list")).status_code == 403
        assert client.get(reverse("certification:rule_create")).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").count() == 8


def test_a_regulator_of_another_region_cannot_edit_or_create_here(client, cast, regions):
    rule = _rule_in_effect(regions.kunming)
    client.force_login(cast.other_regulator)
    assert client.get(reverse("certification:rule_edit", args=[rule.pk])).status_code == 403
    resp = client.post(reverse("certification:rule_create"), _form(regions.kunming))
    assert resp.status_code == 200 and "region" in resp.context["form"].errors
    with pytest.raises(PermissionDenied):
        requirement_rule_create(
            actor=cast.other_regulator, role="caregiver", region=regions.kunming, **_values()
        )
    assert RequirementRule.objects.filter(region=regions.kunming).count() == 1
    assert (
        AuditEvent.objects.filter(action="access.denied", actor=cast.other_regulator).count() == 2
    )


def test_national_rules_are_read_only_for_a_regional_regulator(client, cast):
    national = RequirementRule.objects.filter(region__isnull=True, role="caregiver").first()
    client.force_login(cast.regulator)
    assert client.get(reverse("certification:rule_edit", args=[national.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        requirement_rule_revise(actor=cast.regulator, rule=national, **_values())
    national.refresh_from_db()
    assert national.total_hours == Decimal("120") and national.effective_to is None


def test_a_regulator_creates_a_regional_rule_audited_and_summaries_are_recomputed(
    client, cast, regions, recompute_calls, django_capture_on_commit_callbacks
):
    client.force_login(cast.regulator)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("certification:rule_create"), _form(regions.wuhua))
    assert resp.status_code == 302
    rule = RequirementRule.objects.get(region=regions.wuhua)
    assert (rule.total_hours, rule.theory_min, rule.practice_min) == (150, 50, 90)
    event = AuditEvent.objects.get(action="rule.create")
    assert event.actor == cast.regulator and event.object_id == str(rule.pk)
    assert event.region_path == regions.wuhua.path and event.data["total_hours"] == "150"
    assert len(recompute_calls) == 1


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"theory_min": "80", "practice_min": "90"}, "theory_min", "超过周期总学时"),
        ({"effective_from": "2020-01-01"}, "effective_from", "不能早于今天"),
        ({"effective_to": "2020-01-01"}, "effective_to", "不能早于生效日期"),
        ({"total_hours": "0", "theory_min": "0", "practice_min": "0"}, "total_hours", "至少要求"),
        ({"cycle_years": "30"}, "cycle_years", "1 到 10"),
        ({"yearly_min_hours": "0"}, "yearly_min_hours", "应大于 0"),
    ],
)
def test_invalid_rules_are_refused_with_a_specific_reason(
    client, cast, regions, over, field, words
):
    client.force_login(cast.regulator)
    resp = client.post(reverse("certification:rule_create"), _form(regions.kunming, **over))
    assert resp.status_code == 200
    assert any(words in e for e in resp.context["form"].errors[field])
    assert not RequirementRule.objects.filter(region=regions.kunming).exists()
    assert not AuditEvent.objects.filter(action="rule.create").exists()


def test_an_overlapping_period_for_the_same_role_and_region_is_refused(client, cast, regions):
    _rule_in_effect(regions.kunming)
    client.force_login(cast.regulator)
    resp = client.post(reverse("certification:rule_create"), _form(regions.kunming))
    errors = resp.context["form"].errors["effective_from"]
    assert any("生效期重叠" in e for e in errors)
    # Another role, or another region, does not overlap.
    requirement_rule_create(
        actor=cast.regulator,
        role="director",
        region=regions.kunming,
        **_values(total_hours=Decimal("60"), theory_min=Decimal("40"), practice_min=Decimal("20")),
    )
    requirement_rule_create(
        actor=cast.regulator, role="caregiver", region=regions.wuhua, **_values()
    )


def test_editing_a_rule_in_effect_supersedes_it_and_keeps_the_old_row(
    client, cast, regions, recompute_calls, django_capture_on_commit_callbacks
):
    old = _rule_in_effect(regions.kunming, total="130")
    starts = TODAY() + dt.timedelta(days=10)
    client.force_login(cast.regulator)
    page = client.get(reverse("certification:rule_edit", args=[old.pk]))
    assert page.context["form"].initial["effective_from"] == TODAY()
    assert "原记录保留不变" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("certification:rule_edit", args=[old.pk]),
            {**_form(regions.kunming, effective_from=starts.isoformat())},
        )
    assert resp.status_code == 302
    old.refresh_from_db()
    assert old.total_hours == Decimal("130")  # its numbers never change
    assert old.effective_to == starts - dt.timedelta(days=1)
    new = RequirementRule.objects.get(region=regions.kunming, effective_from=starts)
    assert new.total_hours == Decimal("150") and new.pk != old.pk
    assert requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=TODAY()) == old
    assert requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=starts) == new
    event = AuditEvent.objects.get(action="rule.supersede")
    assert event.data["supersedes"] == old.pk and event.data["before"]["total_hours"] == "130.0"
    assert len(recompute_calls) == 1


def test_a_new_version_cannot_start_before_the_old_one_or_in_the_past(cast, regions):
    old = _rule_in_effect(regions.kunming, since_days=0)  # took effect today
    with pytest.raises(ValidationError) as exc:
        requirement_rule_revise(actor=cast.regulator, rule=old, **_values())
    assert "必须晚于原版本的生效日期" in str(exc.value.message_dict["effective_from"])
    with pytest.raises(ValidationError) as exc:
        requirement_rule_revise(
            actor=cast.regulator, rule=old, **_values(effective_from=TODAY() - dt.timedelta(days=1))
        )
    assert "不能早于今天" in str(exc.value.message_dict["effective_from"])
    old.refresh_from_db()
    assert old.effective_to is None
    assert RequirementRule.objects.filter(region=regions.kunming).count() == 1


def test_an_ended_rule_cannot_be_edited(cast, regions):
    old = _rule_in_effect(regions.kunming)
    RequirementRule.objects.filter(pk=old.pk).update(effective_to=TODAY() - dt.timedelta(days=2))
    old.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        requirement_rule_revise(actor=cast.regulator, rule=old, **_values())
    assert "已于" in " ".join(exc.value.messages)


def test_a_rule_not_yet_in_effect_is_corrected_in_place(cast, regions):
    later = TODAY() + dt.timedelta(days=30)
    rule = requirement_rule_create(
        actor=cast.regulator,
        role="caregiver",
        region=regions.kunming,
        **_values(effective_from=later),
    )
    fixed = requirement_rule_revise(
        actor=cast.regulator, rule=rule, **_values(effective_from=later, total_hours=Decimal("140"))
    )
    assert fixed.pk == rule.pk and fixed.total_hours == Decimal("140")
    assert RequirementRule.objects.filter(region=regions.kunming).count() == 1
    assert AuditEvent.objects.filter(action="rule.update").exists()


def test_the_most_specific_rule_in_force_wins_and_ending_it_restores_the_parent_rule(
    cast, regions, recompute_calls
):
    kunming = requirement_rule_create(
        actor=cast.regulator, role="caregiver", region=regions.kunming, **_values()
    )
    wuhua = requirement_rule_create(
        actor=cast.regulator,
        role="caregiver",
        region=regions.wuhua,
        **_values(total_hours=Decimal("160")),
    )
    assert requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=TODAY()) == wuhua
    assert (
        requirement_rule_for(role="caregiver", region=regions.kunming, on_date=TODAY()) == kunming
    )
    assert (
        requirement_rule_for(role="caregiver", region=regions.yunnan, on_date=TODAY()).region_id
        is None
    )
    requirement_rule_end(actor=cast.regulator, rule=wuhua, effective_to=TODAY())
    tomorrow = TODAY() + dt.timedelta(days=1)
    assert requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=tomorrow) == kunming
    assert AuditEvent.objects.filter(action="rule.end", object_id=str(wuhua.pk)).exists()


def test_after_a_change_new_cycles_get_the_new_rule_and_past_cycles_keep_theirs(
    cast, regions, orgs, django_capture_on_commit_callbacks
):
    newcomer = PersonFactory(name="新入职", region=regions.wuhua)
    EmploymentFactory(
        person=newcomer, institution=orgs.institution, role=WorkerRole.CAREGIVER, start_date=TODAY()
    )
    with django_capture_on_commit_callbacks(execute=True):
        requirement_rule_create(
            actor=cast.regulator, role="caregiver", region=regions.wuhua, **_values()
        )
    assert CycleSummary.objects.get(person=newcomer, cycle_number=1).required_total == 150
    # cast.worker's cycle began in 2022 under the national rule: it stays explainable.
    assert (
        CycleSummary.objects.filter(person=cast.worker).latest("cycle_number").required_total == 120
    )


def test_the_service_module_enqueues_only_after_commit(cast, regions, recompute_calls):
    requirement_rule_create(
        actor=cast.regulator, role="caregiver", region=regions.wuhua, **_values()
    )
    assert recompute_calls == []  # the test transaction never commits


def test_the_rules_page_shows_the_recompute_a_change_started(
    client, cast, regions, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    client.force_login(cast.regulator)
    assert "重新计算" not in client.get(reverse("certification:rule_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certification:rule_create"), _form(regions.wuhua))
    page = client.get(reverse("certification:rule_list")).content.decode()
    assert "达标状态已按现行规则重新计算" in page
