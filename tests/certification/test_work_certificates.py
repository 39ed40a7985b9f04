"""D-37 持证上岗: a region may require caregivers and directors to hold a valid training or
skill-level certificate within a grace period after hiring. The rule is a policy table kept by
regulators (default off, inherited down the region tree); institutions and regulators list who
is inside or past the grace period; the hiring page and API say what a newcomer needs."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.api.auth import api_key_create
from certification.models import (
    ApiKey,
    AuditEvent,
    Certificate,
    Employment,
    WorkCertificateRule,
)
from certification.rules.subsidies import add_months
from certification.rules.work_certificates import (
    HOLDS,
    NOT_REQUIRED,
    PAST_GRACE,
    WITHIN_GRACE,
    CertificateFacts,
    RuleTerms,
    work_certificate_status,
)
from certification.selectors.work_certificates import work_certificate_rows
from cms.choices import WorkerRole
from cms.demo import demo_steps
from cms.models import User
from tests.certification.builders import make_course
from tests.factories import (
    CertificateFactory,
    EmploymentFactory,
    PersonFactory,
    new_id_number,
)

TODAY = timezone.localdate
SIX_MONTHS = RuleTerms(required=True, grace_months=6)
TRAINING = Certificate.Kind.TRAINING
SKILL = Certificate.Kind.SKILL_LEVEL


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _status(start, on, certificates=(), rule=SIX_MONTHS):
    return work_certificate_status(
        rule=rule, start_date=start, certificates=certificates, on_date=on
    )


def _rule(region, role=WorkerRole.CAREGIVER, **over):
    values = {
        "effective_from": dt.date(2020, 1, 1),
        "required": True,
        "grace_months": 6,
        "accepts_training": True,
        "accepts_skill_level": True,
    }
    values.update(over)
    return WorkCertificateRule.objects.create(region=region, role=role, **values)


# ---- the pure rule: edge dates ------------------------------------------------------------


def test_the_last_day_of_the_grace_period_is_inside_it_and_the_next_day_is_past():
    start = dt.date(2026, 3, 15)
    last_day = _status(start, dt.date(2026, 9, 15))
    assert (last_day.status, last_day.deadline) == (WITHIN_GRACE, dt.date(2026, 9, 15))
    day_after = _status(start, dt.date(2026, 9, 16))
    assert day_after.status == PAST_GRACE
    assert day_after.past_since == dt.date(2026, 9, 16)


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (dt.date(2025, 8, 31), dt.date(2026, 2, 28)),
        (dt.date(2027, 8, 31), dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 12, 31), dt.date(2027, 6, 30)),
        (dt.date(2026, 1, 31), dt.date(2026, 7, 31)),
    ],
)
def test_a_month_end_start_clamps_to_the_end_of_the_deadline_month(start, deadline):
    assert _status(start, deadline).status == WITHIN_GRACE
    assert _status(start, deadline).deadline == deadline
    assert _status(start, deadline + dt.timedelta(days=1)).status == PAST_GRACE


def test_a_revoked_certificate_does_not_count_from_the_day_it_was_revoked():
    start, on = dt.date(2025, 1, 10), dt.date(2026, 1, 10)
    revoked = CertificateFacts(
        kind=SKILL, issue_date=dt.date(2025, 3, 1), revoked_on=dt.date(2025, 12, 1)
    )
    assert _status(start, on, [revoked]).status == PAST_GRACE
    # Before its revocation it was valid.
    assert _status(start, dt.date(2025, 11, 30), [revoked]).status == HOLDS


def test_only_an_accepted_valid_certificate_for_the_role_counts():
    start, on = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    other_role = CertificateFacts(kind=TRAINING, issue_date=dt.date(2026, 1, 20), for_role=False)
    later = CertificateFacts(kind=SKILL, issue_date=dt.date(2026, 2, 2))
    expired = CertificateFacts(
        kind=SKILL, issue_date=dt.date(2020, 1, 1), expires_on=dt.date(2026, 1, 31)
    )
    statement = CertificateFacts(kind=Certificate.Kind.CYCLE_STATEMENT, issue_date=start)
    assert _status(start, on, [other_role, later, expired, statement]).status == WITHIN_GRACE
    own_course = CertificateFacts(kind=TRAINING, issue_date=dt.date(2026, 1, 20), for_role=True)
    assert _status(start, on, [own_course]).status == HOLDS
    skill = CertificateFacts(kind=SKILL, issue_date=dt.date(2026, 1, 20))
    training_only = RuleTerms(required=True, grace_months=6, accepts_skill_level=False)
    assert _status(start, on, [skill], rule=training_only).status == WITHIN_GRACE


def test_no_rule_or_a_rule_switched_off_requires_nothing():
    assert _status(dt.date(2020, 1, 1), dt.date(2026, 1, 1), rule=None).status == NOT_REQUIRED
    off = RuleTerms(required=False, grace_months=6)
    assert _status(dt.date(2020, 1, 1), dt.date(2026, 1, 1), rule=off).status == NOT_REQUIRED


def test_staff_hired_before_the_rule_count_from_their_own_start_date(cast, orgs, regions):
    _rule(regions.yunnan, effective_from=TODAY())
    caregiver = Employment.objects.filter(person=cast.worker)
    caregiver.update(start_date=dt.date(2024, 1, 10))
    row = work_certificate_rows(caregiver).get()
    assert (row.wc_status, row.wc_deadline) == (PAST_GRACE, dt.date(2024, 7, 10))


# ---- the database query agrees at the edges ------------------------------------------------


def test_the_list_query_agrees_with_the_rule_on_the_edge_dates(cast, orgs, regions):
    _rule(regions.yunnan)
    month_end = EmploymentFactory(
        institution=orgs.institution, role=WorkerRole.CAREGIVER, start_date=dt.date(2025, 8, 31)
    )
    qs = Employment.objects.filter(pk=month_end.pk)
    last_day = work_certificate_rows(qs, on_date=dt.date(2026, 2, 28)).get()
    assert (last_day.wc_status, last_day.wc_deadline) == (WITHIN_GRACE, dt.date(2026, 2, 28))
    assert work_certificate_rows(qs, on_date=dt.date(2026, 3, 1)).get().wc_status == PAST_GRACE

    CertificateFactory(
        person=month_end.person, kind=SKILL, level=4, issue_date=dt.date(2026, 1, 5), revoked=True
    )
    assert work_certificate_rows(qs, on_date=dt.date(2026, 3, 1)).get().wc_status == PAST_GRACE
    CertificateFactory(person=month_end.person, kind=SKILL, level=4, issue_date=dt.date(2026, 3, 1))
    assert work_certificate_rows(qs, on_date=dt.date(2026, 3, 1)).get().wc_status == HOLDS


def test_a_training_certificate_counts_only_for_a_course_of_the_role(cast, orgs, regions):
    _rule(regions.yunnan, role=WorkerRole.DIRECTOR)
    director = Employment.objects.get(person=cast.director)
    health_course = make_course(audience_roles=[WorkerRole.HEALTH_WORKER])
    CertificateFactory(person=cast.director, course=health_course)
    qs = Employment.objects.filter(pk=director.pk)
    assert work_certificate_rows(qs).get().wc_status == PAST_GRACE
    CertificateFactory(person=cast.director, course=make_course(audience_roles=["director"]))
    assert work_certificate_rows(qs).get().wc_status == HOLDS


def test_a_city_inherits_the_province_rule_unless_it_keeps_its_own(cast, orgs, regions):
    _rule(regions.yunnan)
    caregivers = Employment.objects.filter(person=cast.worker)
    assert work_certificate_rows(caregivers).count() == 1
    _rule(regions.kunming, required=False, effective_from=dt.date(2021, 1, 1))
    assert work_certificate_rows(caregivers).count() == 0


# ---- editing the rule ----------------------------------------------------------------------


def _rule_form(region, **over):
    data = {
        "region": region.pk,
        "role": "caregiver",
        "required": "on",
        "grace_months": "6",
        "accepts_training": "on",
        "accepts_skill_level": "on",
        "effective_from": TODAY().isoformat(),
        "effective_to": "",
        "note": "昆明市持证上岗规定",
    }
    data.update(over)
    return data


def test_a_regulator_turns_the_rule_on_and_the_change_is_audited(client, cast, regions):
    client.force_login(cast.regulator)
    index = client.get(reverse("certification:policy_index")).content.decode()
    assert "持证上岗要求" in index
    url = reverse("certification:policy_create", args=["work-certificates"])
    refused = client.post(
        url, _rule_form(regions.kunming, accepts_training="", accepts_skill_level="")
    )
    assert "请至少选择一种认可的证书" in refused.content.decode()
    refused = client.post(url, _rule_form(regions.kunming, grace_months="61"))
    assert refused.status_code == 200 and not WorkCertificateRule.objects.exists()

    response = client.post(url, _rule_form(regions.kunming))
    assert response.status_code == 302
    rule = WorkCertificateRule.objects.get()
    assert (rule.region, rule.role, rule.grace_months) == (regions.kunming, "caregiver", 6)
    event = AuditEvent.objects.get(action="policy.work_certificate.create")
    assert event.actor == cast.regulator and event.data["grace_months"] == 6
    listing = client.get(reverse("certification:policy_list", args=["work-certificates"]))
    assert "昆明市持证上岗规定" in listing.content.decode()

    # A version in effect is superseded, never changed.
    edit = reverse("certification:policy_edit", args=["work-certificates", rule.pk])
    tomorrow = TODAY() + dt.timedelta(days=1)
    client.post(edit, _rule_form(regions.kunming, grace_months="3", effective_from=tomorrow))
    assert AuditEvent.objects.filter(action="policy.work_certificate.supersede").exists()
    assert WorkCertificateRule.objects.filter(grace_months=3, effective_from=tomorrow).exists()


def test_other_regions_and_institutions_cannot_change_the_rule_and_are_audited(
    client, cast, regions
):
    rule = _rule(regions.kunming)
    edit = reverse("certification:policy_edit", args=["work-certificates", rule.pk])
    client.force_login(cast.other_regulator)
    assert client.post(edit, _rule_form(regions.kunming, grace_months="1")).status_code == 403
    client.force_login(cast.institution_admin)
    listing = reverse("certification:policy_list", args=["work-certificates"])
    assert client.get(listing).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").count() == 2
    rule.refresh_from_db()
    assert rule.grace_months == 6


# ---- the institution list and dashboards -------------------------------------------------


@pytest.fixture
def newcomers(cast, orgs, regions):
    """Yunnan requires caregivers: a newcomer inside the grace period, the cast's caregiver
    (hired long ago) past it, and a certified caregiver."""
    _rule(regions.yunnan)
    fresh = EmploymentFactory(
        person=PersonFactory(name="新来者", region=regions.wuhua),
        institution=orgs.institution,
        role=WorkerRole.CAREGIVER,
        start_date=TODAY() - dt.timedelta(days=20),
    )
    Employment.objects.filter(person=cast.worker).update(start_date=dt.date(2024, 1, 10))
    certified = EmploymentFactory(
        person=PersonFactory(name="持证人", region=regions.wuhua),
        institution=orgs.institution,
        role=WorkerRole.CAREGIVER,
        start_date=dt.date(2024, 1, 10),
    )
    CertificateFactory(person=certified.person, kind=SKILL, level=4)
    return fresh


def test_the_institution_sees_who_is_inside_or_past_the_grace_period(client, cast, orgs, newcomers):
    client.force_login(cast.institution_admin)
    page = client.get(reverse("certification:work_certificate_list")).content.decode()
    assert "新*者" in page and "王*育" in page and "持*人" in page
    assert "新来者" not in page  # names are masked
    assert "期限内" in page and "已超期" in page and "已持有效证书" in page
    assert "李*长" not in page  # directors are not required here
    assert _cn(add_months(newcomers.start_date, 6)) in page
    assert "自 2024年7月11日 起" in page  # past since the day after 10 July 2024
    # Past the grace period first.
    assert page.index("王*育") < page.index("新*者") < page.index("持*人")

    past = client.get(reverse("certification:work_certificate_list"), {"status": "past_grace"})
    text = past.content.decode()
    assert "王*育" in text and "新*者" not in text and "持*人" not in text

    dashboard = client.get(reverse("certification:institution_dashboard")).content.decode()
    assert reverse("certification:work_certificate_list") in dashboard
    assert f'?status=past_grace&amp;org={orgs.institution.pk}">1<' in dashboard
    assert f'?status=within_grace&amp;org={orgs.institution.pk}">1<' in dashboard


def test_another_institution_is_refused_and_audited(client, cast, orgs, newcomers):
    client.force_login(cast.other_institution_admin)
    page = client.get(reverse("certification:work_certificate_list")).content.decode()
    assert "新*者" not in page and "王*育" not in page
    response = client.get(
        reverse("certification:work_certificate_list"), {"org": orgs.institution.pk}
    )
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert event.data["attempted"] == "work_certificate.list"
    assert event.object_id == str(orgs.institution.pk)
    client.force_login(cast.worker_user)
    assert client.get(reverse("certification:work_certificate_list")).status_code == 403


def test_regulators_of_the_region_see_the_counts_and_the_list(client, cast, orgs, newcomers):
    client.force_login(cast.regulator)
    dashboard = client.get(reverse("certification:regulator_dashboard")).content.decode()
    assert "持证上岗" in dashboard and '?status=within_grace">1<' in dashboard
    page = client.get(reverse("certification:work_certificate_list")).content.decode()
    assert "新*者" in page and orgs.institution.name in page
    client.force_login(cast.other_regulator)
    page = client.get(reverse("certification:work_certificate_list")).content.decode()
    assert "新*者" not in page


def test_the_list_costs_the_same_queries_for_more_people(
    client, cast, orgs, regions, newcomers, django_assert_max_num_queries
):
    client.force_login(cast.institution_admin)
    url = reverse("certification:work_certificate_list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        EmploymentFactory(institution=orgs.institution, role=WorkerRole.CAREGIVER)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('data-testid="work-certificate-row"') == 18


# ---- the hiring page and the API ---------------------------------------------------------


def _hire(client, number, name="周某", start="2026-03-01"):
    return client.post(
        reverse("certification:hiring_check"),
        {
            "name": name,
            "id_type": "resident",
            "id_number": number,
            "employ": "1",
            "role": "caregiver",
            "start_date": start,
            "has_labour_contract": "on",
            "ui_contribution_months": "6",
        },
        follow=True,
    )


def test_the_hiring_page_says_what_the_newcomer_needs(client, cast, orgs, regions):
    client.force_login(cast.institution_admin)
    page = _hire(client, new_id_number()).content.decode()
    assert "本地区对保育人员未要求持证上岗" in page

    _rule(regions.yunnan)
    check = client.post(
        reverse("certification:hiring_check"),
        {"name": "吴某", "id_type": "resident", "id_number": new_id_number(), "check": "1"},
    ).content.decode()
    assert "本地区要求保育人员入职6个月内取得培训合格证书或职业技能等级证书" in check

    page = _hire(client, new_id_number(), name="吴某", start=TODAY().isoformat()).content.decode()
    assert (
        "本地区要求保育人员入职6个月内取得培训合格证书或职业技能等级证书，截止日期 "
        + _cn(add_months(TODAY(), 6))
    ) in page


def test_the_hiring_page_says_when_the_newcomer_already_holds_a_certificate(
    client, cast, orgs, regions
):
    _rule(regions.yunnan)
    number = new_id_number(birth=dt.date(1991, 2, 3))
    person = PersonFactory(name="郑某", region=regions.wuhua)
    person.set_id_number("resident", number)
    person.save()
    CertificateFactory(person=person, kind=SKILL, level=3)
    client.force_login(cast.institution_admin)
    page = _hire(client, number, name="郑某").content.decode()
    assert "该人员已持有有效的培训合格证书或职业技能等级证书" in page


def test_the_employment_api_answers_with_the_requirement(client, orgs, regions):
    _rule(regions.yunnan, grace_months=3)
    _key, secret = api_key_create(
        actor=None, name="inst", role=ApiKey.Role.INSTITUTION, organisation=orgs.institution
    )
    response = client.post(
        "/api/v1/employments",
        {
            "id_type": "resident",
            "id_number": new_id_number(),
            "name": "钱某",
            "role": "caregiver",
            "start_date": "2026-08-31",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201, response.content
    body = response.json()["work_certificate"]
    assert body["required"] is True and body["deadline"] == "2026-11-30"
    assert "3个月内" in body["message"]


# ---- the demo province -------------------------------------------------------------------


def test_the_demo_province_requires_caregivers_to_hold_a_certificate(client, db):
    for step in demo_steps():
        if step.name in ("regions, organisations, people and accounts", "work with a certificate"):
            step.func(lambda _msg: None)
            step.func(lambda _msg: None)  # loading the demo twice changes nothing
    assert WorkCertificateRule.objects.filter(region_id="530000", grace_months=6).count() == 1
    client.force_login(User.objects.get(email="inst@demo.carecert.cn"))
    page = client.get(reverse("certification:work_certificate_list")).content.decode()
    assert "罗*月" in page and "期限内" in page and "已超期" in page
    client.force_login(User.objects.get(email="reg@demo.carecert.cn"))
    dashboard = client.get(reverse("certification:regulator_dashboard")).content.decode()
    assert '?status=within_grace">1<' in dashboard
