"""D-27/D-28 pure eligibility checks and amount rule: each check passing and failing."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from certification.rules import subsidies as r

BASE = r.EligibilityFacts(
    subsidy_type=r.SKILL_UPGRADE,
    apply_date=dt.date(2026, 3, 1),
    certificate_id=1,
    certificate_kind=r.KIND_SKILL_LEVEL,
    certificate_valid=True,
    occupation="4-10-01-03",
    level=4,
    issue_date=dt.date(2026, 1, 10),
    banned=False,
    employed=True,
    employer_filed=True,
    has_labour_contract=True,
    ui_contribution_months=24,
    gender="F",
    birth_date=dt.date(1990, 5, 1),
)


def prior(**kw):
    data = {
        "certificate_id": 9,
        "subsidy_type": r.SKILL_UPGRADE,
        "occupation": "4-10-01-03",
        "level": 5,
        "status": "paid",
        "year": 2025,
    }
    data.update(kw)
    return r.PriorApplication(**data)


def test_a_clean_application_passes_every_check():
    assert all(c.passed for c in r.evaluate(BASE))


def test_a_banned_person_fails_the_ban_check():
    assert r.check_not_banned(BASE).passed
    res = r.check_not_banned(replace(BASE, banned=True))
    assert not res.passed and "禁入" in res.reason


def test_a_revoked_certificate_or_wrong_kind_is_not_covered():
    assert r.check_certificate_covered(BASE).passed
    assert not r.check_certificate_covered(replace(BASE, certificate_valid=False)).passed
    assert not r.check_certificate_covered(replace(BASE, certificate_kind="training")).passed
    training = replace(BASE, subsidy_type=r.TRAINING, certificate_kind="training", level=None)
    assert r.check_certificate_covered(training).passed
    assert not r.check_certificate_covered(replace(training, certificate_kind="skill_level")).passed


def test_the_twelve_month_window_includes_its_last_day_and_not_the_next():
    f = replace(BASE, issue_date=dt.date(2025, 3, 15))
    assert r.check_within_window(replace(f, apply_date=dt.date(2026, 3, 15))).passed
    res = r.check_within_window(replace(f, apply_date=dt.date(2026, 3, 16)))
    assert not res.passed and "12个月" in res.reason


def test_skill_upgrade_needs_twelve_months_of_contributions():
    assert r.check_contributions(replace(BASE, ui_contribution_months=12)).passed
    assert not r.check_contributions(replace(BASE, ui_contribution_months=11)).passed
    assert r.check_contributions(
        replace(BASE, subsidy_type=r.EVALUATION, ui_contribution_months=0)
    ).passed


def test_the_same_occupation_and_level_is_refused_after_a_paid_one():
    assert r.check_not_subsidised_before(
        replace(BASE, prior=(prior(level=4, status="withdrawn"),))
    ).passed
    res = r.check_not_subsidised_before(replace(BASE, prior=(prior(level=4),)))
    assert not res.passed and "同一等级" in res.reason


def test_the_same_certificate_cannot_be_used_under_another_type():
    f = replace(
        BASE, prior=(prior(certificate_id=1, subsidy_type=r.EVALUATION, status="submitted"),)
    )
    assert not r.check_certificate_not_used(f).passed
    assert r.check_certificate_not_used(replace(BASE, prior=(prior(certificate_id=2),))).passed


def test_a_lower_level_after_a_higher_one_is_refused():
    assert r.check_no_lower_level(replace(BASE, prior=(prior(level=5),))).passed
    assert not r.check_no_lower_level(replace(BASE, prior=(prior(level=3),))).passed


def test_yearly_limits_once_per_type_and_three_in_total():
    this_year = replace(BASE, prior=(prior(year=2026, level=5),))
    res = r.check_yearly_limits(this_year)
    assert not res.passed and "2026" in res.reason
    assert r.check_yearly_limits(replace(BASE, prior=(prior(year=2025),))).passed
    three = tuple(
        prior(year=2026, subsidy_type=t, certificate_id=i)
        for i, t in enumerate([r.TRAINING, r.EVALUATION, r.TRAINING])
    )
    loose = replace(BASE, policy=replace(BASE.policy, per_type_per_year=5))
    assert not r.check_yearly_limits(replace(loose, prior=three)).passed
    assert r.check_yearly_limits(replace(loose, prior=three[:2])).passed


def test_employment_at_a_filed_institution_with_a_labour_contract_is_required():
    assert r.check_employment(BASE).passed
    assert not r.check_employment(replace(BASE, employer_filed=False)).passed
    assert not r.check_employment(replace(BASE, has_labour_contract=False)).passed
    assert not r.check_employment(replace(BASE, employed=False)).passed


def test_age_limits_apply_only_when_enabled():
    old = replace(BASE, birth_date=dt.date(1970, 1, 1))  # 56 on the apply date
    assert r.check_age(old).passed
    on = replace(BASE.policy, age_limits_enabled=True)
    assert not r.check_age(replace(old, policy=on)).passed
    assert r.check_age(replace(old, gender="M", policy=on)).passed
    assert not r.check_age(replace(BASE, birth_date=dt.date(2011, 1, 1), policy=on)).passed


def test_amounts_with_uplift_and_half_up_rounding():
    assert r.compute_amount(base=Decimal("2000"), uplift_percent=Decimal("30")) == Decimal(
        "2600.00"
    )
    assert r.compute_amount(base=Decimal("1000"), uplift_percent=None) == Decimal("1000.00")
    assert r.compute_amount(base=Decimal("0.05"), uplift_percent=Decimal("50")) == Decimal("0.08")
    assert r.uplift_applies(level=3, max_level_number=3)
    assert not r.uplift_applies(level=4, max_level_number=3)


def test_working_days_skip_weekends():
    friday = dt.date(2026, 11, 20)
    assert r.add_working_days(friday, 5, {}) == dt.date(2026, 11, 27)
    assert r.working_days_between(friday, dt.date(2026, 11, 24), {}) == 2


def test_holidays_and_make_up_days_change_the_count():
    # National Day 2026: Thursday 1 October is a holiday, Saturday 10 October a make-up day.
    calendar = {
        dt.date(2026, 10, 1): False,
        dt.date(2026, 10, 2): False,
        dt.date(2026, 10, 10): True,
    }
    assert r.add_working_days(dt.date(2026, 9, 30), 1, calendar) == dt.date(2026, 10, 5)
    assert r.add_working_days(dt.date(2026, 10, 9), 1, calendar) == dt.date(2026, 10, 10)
    assert r.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 5), calendar) == 1
