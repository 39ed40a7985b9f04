"""Issue 18: rule and policy lookups are cached per region, and a change is seen at once, in
whichever way the editing service makes it (a new row, or an end date by queryset update)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certification.rules.policy_tables import REQUIREMENTS, TABLES
from certification.selectors.rules import (
    learning_policy_for,
    requirement_rule_for,
    rule_candidates,
)
from certification.services.policies import (
    policy_version_create,
    policy_version_end,
    policy_version_revise,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LEARNING = TABLES["learning"]


def _learning_values(**over):
    values = {
        "programme_start": dt.date(2021, 1, 1),
        "minutes_per_class_hour": 50,
        "daily_cap_hours": Decimal("5"),
        "cycle_alignment": "anchor",
        "reminder_days": [60],
        "backdate_days": 10,
        "effective_from": TODAY(),
        "effective_to": None,
        "note": "",
    }
    values.update(over)
    return values


def _rule_values(**over):
    values = {
        "role": "caregiver",
        "total_hours": Decimal("150"),
        "theory_min": Decimal("40"),
        "practice_min": Decimal("80"),
        "cycle_years": 5,
        "yearly_min_hours": None,
        "effective_from": TODAY(),
        "effective_to": None,
        "note": "",
    }
    values.update(over)
    return values


def test_a_repeated_lookup_reads_no_table(regions):
    learning_policy_for(regions.wuhua, TODAY())
    requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=TODAY())
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            learning_policy_for(regions.wuhua, TODAY())
            requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=TODAY())
    assert len(queries) == 0


def test_a_learning_policy_set_on_the_policy_page_applies_to_the_next_lookup(
    client, cast, regions, monkeypatch
):
    monkeypatch.setattr(
        "certification.tasks.compliance.recompute_compliance.apply_async", lambda *a, **kw: None
    )
    national = learning_policy_for(regions.wuhua, TODAY())
    assert national.region_id is None  # and now cached for 五华区
    client.force_login(cast.regulator)
    response = client.post(
        reverse("certification:policy_create", args=["learning"]),
        {
            "region": regions.kunming.pk,
            "programme_start": "2021-01-01",
            "minutes_per_class_hour": "50",
            "daily_cap_hours": "5",
            "cycle_alignment": "anchor",
            "reminder_days": "60",
            "backdate_days": "10",
            "effective_from": TODAY().isoformat(),
            "effective_to": "",
            "note": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    policy = learning_policy_for(regions.wuhua, TODAY())
    assert (policy.region_id, policy.minutes_per_class_hour) == (regions.kunming.pk, 50)


def test_ending_a_regional_policy_is_seen_at_once_although_only_its_end_date_changes(cast, regions):
    tomorrow = TODAY() + dt.timedelta(days=1)
    row = policy_version_create(
        actor=cast.regulator, table=LEARNING, region=regions.kunming, **_learning_values()
    )
    assert learning_policy_for(regions.wuhua, tomorrow).pk == row.pk  # cached
    policy_version_end(actor=cast.regulator, table=LEARNING, row=row, effective_to=TODAY())
    assert learning_policy_for(regions.wuhua, tomorrow).region_id is None
    assert learning_policy_for(regions.wuhua, TODAY()).pk == row.pk


def test_a_superseded_requirement_rule_is_seen_at_once(cast, regions):
    later = TODAY() + dt.timedelta(days=10)
    rule = policy_version_create(
        actor=cast.regulator, table=REQUIREMENTS, region=regions.kunming, **_rule_values()
    )
    # Cached: the rule on a date after the coming change, and the candidates of the region.
    assert requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=later) == rule
    assert [r.pk for r in rule_candidates(role="caregiver", region=regions.wuhua)[0]][0] == rule.pk
    new = policy_version_revise(
        actor=cast.regulator,
        table=REQUIREMENTS,
        row=rule,
        **_rule_values(total_hours=Decimal("160"), effective_from=later),
    )
    seen = requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=later)
    assert (seen.pk, seen.total_hours) == (new.pk, Decimal("160"))
    rows, _codes = rule_candidates(role="caregiver", region=regions.wuhua)
    assert rows[0].pk == new.pk
    old = next(r for r in rows if r.pk == rule.pk)
    assert old.effective_to == later - dt.timedelta(days=1)
