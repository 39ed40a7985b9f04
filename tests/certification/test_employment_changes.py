"""Issue 15: employment changes from the institution pages and the API — correct insurance months
and contract, move a person to another institution or role (调动), each a hire that passes the
ban check; a person's region follows their current employment."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from certification.models import AuditEvent, BanCheck, Employment, RequirementRule, StaffRole
from certification.selectors.compliance import person_compliance
from certification.services.employment_states import employment_end, person_region_follow
from certification.services.people import employment_transfer
from cms.choices import WorkerRole
from tests.factories import (
    BanEntryFactory,
    EmploymentFactory,
    OrganisationFactory,
    membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(cast, orgs, regions):
    """The Wuhua institution's admin also runs a second institution, in Lanzhou (a chain)."""
    second = OrganisationFactory(name="兰州市阳光托育园二园", region=regions.lanzhou)
    membership(cast.institution_admin, StaffRole.INSTITUTION_ADMIN, organisation=second)
    employment = cast.worker.employments.get(institution=orgs.institution)
    return second, employment


def test_the_dashboard_links_each_employee_to_their_change_page(client, cast, orgs, chain):
    _, employment = chain
    client.force_login(cast.institution_admin)
    page = client.get(reverse("certification:institution_dashboard"), {"org": orgs.institution.pk})
    detail = reverse("certification:employment_detail", args=[employment.pk])
    assert detail in page.content.decode()

    response = client.get(detail)
    assert response.status_code == 200
    body = response.content.decode()
    assert "王保育" in body and "调动" in body and "失业保险缴费月数" in body
    assert "兰州市阳光托育园二园" in body  # offered as a destination


def test_insurance_months_are_corrected_from_the_page_and_audited(client, cast, chain):
    _, employment = chain
    client.force_login(cast.institution_admin)

    response = client.post(
        reverse("certification:employment_terms", args=[employment.pk]),
        {"ui_contribution_months": "36", "has_labour_contract": "on"},
        follow=True,
    )

    employment.refresh_from_db()
    assert employment.ui_contribution_months == 36
    assert "已更新 王保育 的任职信息" in response.content.decode()
    event = AuditEvent.objects.get(action="employment.terms", object_id=str(employment.pk))
    assert event.data["before"]["ui_contribution_months"] == 24
    assert event.data["after"]["ui_contribution_months"] == 36


def test_a_bad_month_count_is_named_and_changes_nothing(client, cast, chain):
    _, employment = chain
    client.force_login(cast.institution_admin)
    response = client.post(
        reverse("certification:employment_terms", args=[employment.pk]),
        {"ui_contribution_months": "abc"},
        follow=True,
    )
    employment.refresh_from_db()
    assert employment.ui_contribution_months == 24
    assert "整数" in response.content.decode()
    assert not AuditEvent.objects.filter(action="employment.terms").exists()


def test_a_move_to_another_institution_ends_one_starts_the_other_and_moves_the_region(
    client, cast, regions, chain
):
    second, employment = chain
    client.force_login(cast.institution_admin)
    day = dt.date(2026, 11, 1)

    response = client.post(
        reverse("certification:employment_transfer", args=[employment.pk]),
        {"institution": second.pk, "role": WorkerRole.CAREGIVER, "start_date": day.isoformat()},
        follow=True,
    )

    assert "王保育 已调入 兰州市阳光托育园二园" in response.content.decode()
    employment.refresh_from_db()
    assert employment.end_date == day - dt.timedelta(days=1)
    moved = Employment.objects.get(person=cast.worker, end_date__isnull=True)
    assert (moved.institution, moved.start_date) == (second, day)
    assert moved.ui_contribution_months == 24  # the insurance record goes with the person
    cast.worker.refresh_from_db()
    assert cast.worker.region == regions.lanzhou  # daily cap, counts, subsidies: Lanzhou now
    assert BanCheck.objects.filter(purpose="hiring", organisation=second).count() == 1
    transfer = AuditEvent.objects.get(action="employment.transfer")
    assert transfer.data["from_employment"] == employment.pk


def test_a_move_to_an_institution_the_admin_does_not_run_is_refused_and_audited(
    client, cast, orgs, chain
):
    _, employment = chain
    client.force_login(cast.institution_admin)

    response = client.post(
        reverse("certification:employment_transfer", args=[employment.pk]),
        {"institution": orgs.other_institution.pk, "role": "caregiver", "start_date": "2026-11-01"},
    )

    assert response.status_code == 404
    employment.refresh_from_db()
    assert employment.end_date is None
    assert AuditEvent.objects.filter(
        action="access.denied", data__attempted="employment.roster_import"
    ).exists()


def test_another_institution_cannot_open_or_change_the_employment(client, cast, chain):
    _, employment = chain
    client.force_login(cast.other_institution_admin)
    assert (
        client.get(reverse("certification:employment_detail", args=[employment.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("certification:employment_terms", args=[employment.pk]),
        {"ui_contribution_months": "0"},
    )
    assert response.status_code == 404
    employment.refresh_from_db()
    assert employment.ui_contribution_months == 24
    assert AuditEvent.objects.filter(
        action="access.denied", data__attempted="employment.terms"
    ).exists()


def test_a_banned_person_is_not_moved_and_the_hit_stays_audited(client, cast, regions, chain):
    second, employment = chain
    BanEntryFactory(person=cast.worker, region=regions.yunnan)
    client.force_login(cast.institution_admin)

    response = client.post(
        reverse("certification:employment_transfer", args=[employment.pk]),
        {"institution": second.pk, "role": "caregiver", "start_date": "2026-11-01"},
        follow=True,
    )

    assert "不得从事托育服务" in response.content.decode()
    employment.refresh_from_db()
    assert employment.end_date is None
    assert not Employment.objects.filter(institution=second).exists()
    assert BanCheck.objects.get(purpose="hiring", organisation=second).result == "hit"


def test_a_double_submitted_move_moves_once(client, cast, chain):
    second, employment = chain
    client.force_login(cast.institution_admin)
    form = {"institution": second.pk, "role": "caregiver", "start_date": "2026-11-01"}
    url = reverse("certification:employment_transfer", args=[employment.pk])

    client.post(url, form)
    again = client.post(url, form)

    assert again.status_code == 404  # the old employment has ended: nothing left to move
    assert Employment.objects.filter(person=cast.worker, institution=second).count() == 1
    assert AuditEvent.objects.filter(action="employment.transfer").count() == 1


def test_ending_the_current_job_returns_the_person_to_their_other_workplace(
    cast, orgs, regions, chain
):
    second, _ = chain
    later = EmploymentFactory(
        person=cast.worker, institution=second, start_date=dt.date(2026, 6, 1)
    )
    person_region_follow(person_id=cast.worker.pk)
    cast.worker.refresh_from_db()
    assert cast.worker.region == regions.lanzhou  # the newest job decides

    employment_end(actor=cast.institution_admin, employment=later, end_date=dt.date(2026, 11, 1))

    cast.worker.refresh_from_db()
    assert cast.worker.region == regions.wuhua  # the Wuhua job is the current one again


def test_after_a_move_the_next_cycle_follows_the_new_regions_rules(cast, orgs, regions, chain):
    """D-12: a move changes the rules from the next cycle on, never in the middle of one."""
    second, employment = chain
    RequirementRule.objects.create(
        region=regions.gansu,
        role="caregiver",
        effective_from=dt.date(2021, 1, 1),
        total_hours=D("150"),
        theory_min=D("50"),
        practice_min=D("100"),
    )
    Employment.objects.filter(pk=employment.pk).update(start_date=dt.date(2021, 1, 1))
    employment.refresh_from_db()
    employment_transfer(
        actor=cast.institution_admin,
        employment=employment,
        institution=second,
        role="caregiver",
        start_date=dt.date(2024, 6, 1),
    )

    (in_first,) = person_compliance(cast.worker, on_date=dt.date(2025, 6, 1))
    (in_second,) = person_compliance(cast.worker, on_date=dt.date(2026, 6, 1))

    assert (in_first.cycle_number, in_first.required_total) == (1, D("120"))  # begun in Yunnan
    assert (in_second.cycle_number, in_second.required_total) == (2, D("150"))  # begun in Gansu
