"""Regulator dashboard (D-31): totals per drill-down level, scope denial, person drill-down,
xlsx export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from certification.exports import escape_cell
from certification.models import AuditEvent, CycleStatus, CycleSummary, StaffRole
from certification.selectors.dashboards import STATUSES, regulator_dashboard
from cms.choices import WorkerRole
from tests.factories import OrganisationFactory, PersonFactory, UserFactory, membership, region

TODAY = dt.date.today()


def summary(
    person, *, institution, status, role=WorkerRole.CAREGIVER, region_obj=None, start=None, end=None
):
    start = start or TODAY - dt.timedelta(days=100)
    end = end or TODAY + dt.timedelta(days=265)
    path = (region_obj or institution.region).path
    return CycleSummary.objects.create(
        person=person,
        role=role,
        cycle_number=1,
        start_date=start,
        end_date=end,
        required_total=Decimal("60"),
        required_theory=Decimal("30"),
        required_practice=Decimal("30"),
        status=status,
        institution=institution,
        region_path=path,
    )


@pytest.fixture
def population(regions, orgs):
    panlong = region("530103", "盘龙区", regions.kunming)
    dali = region("532900", "大理州", regions.yunnan)
    panlong_inst = OrganisationFactory(name="盘龙区托育园", region=panlong)
    dali_inst = OrganisationFactory(name="大理托育园", region=dali)
    plan = [
        (orgs.institution, CycleStatus.MET),
        (orgs.institution, CycleStatus.BEHIND),
        (orgs.institution, CycleStatus.LAPSED),
        (panlong_inst, CycleStatus.ON_TRACK),
        (panlong_inst, CycleStatus.BEHIND),
        (dali_inst, CycleStatus.MET),
    ]
    for inst, status in plan:
        summary(PersonFactory(region=inst.region), institution=inst, status=status)
    # attached to the city itself (no county): must land in the "directly attached" row
    summary(
        PersonFactory(region=regions.kunming),
        institution=None,
        status=CycleStatus.MET,
        region_obj=regions.kunming,
    )
    # a finished, met cycle is not current and must not be counted
    summary(
        PersonFactory(region=regions.wuhua),
        institution=orgs.institution,
        status=CycleStatus.MET,
        start=dt.date(2020, 1, 1),
        end=dt.date(2022, 12, 31),
    )
    # another province is outside every Yunnan total
    summary(
        PersonFactory(region=regions.lanzhou),
        institution=orgs.other_institution,
        status=CycleStatus.BEHIND,
    )
    return {"panlong": panlong, "dali": dali}


@pytest.mark.parametrize("code", ["530000", "530100", "530102"])
def test_dashboard_totals_equal_the_sum_of_their_rows_at_every_level(population, code):
    from certification.models import Region

    data = regulator_dashboard(region=Region.objects.get(code=code), today=TODAY)
    for status in STATUSES:
        assert data.totals[status] == sum(r.counts[status] for r in data.rows)
    assert data.total == sum(r.total for r in data.rows)


def test_province_dashboard_counts_current_and_lapsed_cycles_of_its_subtree_only(population):
    from certification.models import Region

    data = regulator_dashboard(region=Region.objects.get(code="530000"), today=TODAY)
    assert data.total == 7
    rows = {r.label: r.total for r in data.rows}
    assert rows == {"昆明市": 6, "大理州": 1}
    city = regulator_dashboard(region=Region.objects.get(code="530100"), today=TODAY)
    assert {r.label: r.total for r in city.rows} == {
        "五华区": 3,
        "盘龙区": 2,
        "本级直属/未归属机构": 1,
    }


def test_role_and_status_filters_narrow_every_table(population):
    from certification.models import Region
    from certification.selectors.dashboards import DashboardFilters

    data = regulator_dashboard(
        region=Region.objects.get(code="530000"),
        today=TODAY,
        filters=DashboardFilters(status=CycleStatus.BEHIND),
    )
    assert data.total == 2
    for row in data.by_role:
        assert row.total == row.counts[CycleStatus.BEHIND]
    assert sum(r.total for r in data.by_role) == 2


def test_regulator_sees_the_dashboard_of_their_city(client, cast, population):
    client.force_login(cast.regulator)
    response = client.get(reverse("certification:regulator_dashboard"))
    assert response.status_code == 200
    assert "五华区" in response.content.decode()
    assert "兰州" not in response.content.decode()


def test_another_regions_regulator_is_denied_the_drill_down_and_the_denial_is_audited(
    client, cast, population
):
    client.force_login(cast.other_regulator)
    response = client.get(reverse("certification:regulator_dashboard"), {"region": "530102"})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=cast.other_regulator).exists()


def test_a_city_regulator_cannot_climb_to_the_province(client, cast, population):
    client.force_login(cast.regulator)
    response = client.get(reverse("certification:regulator_dashboard"), {"region": "530000"})
    assert response.status_code == 404


def test_non_regulators_are_refused(client, cast):
    client.force_login(cast.institution_admin)
    response = client.get(reverse("certification:regulator_dashboard"))
    assert response.status_code == 403


def test_person_drill_down_shows_masked_id_numbers_only(client, cast, orgs, population):
    client.force_login(cast.regulator)
    response = client.get(
        reverse("certification:regulator_dashboard"),
        {"region": "530102", "institution": orgs.institution.pk},
    )
    body = response.content.decode()
    person = CycleSummary.objects.filter(institution=orgs.institution).first().person
    assert person.id_masked in body
    assert person.reveal_id_number() not in body


def test_xlsx_export_has_the_same_rows_and_is_audited(client, cast, population):
    user = UserFactory(email="prov@example.test")
    membership(user, StaffRole.REGULATOR, region_obj=population["dali"].parent)
    client.force_login(user)
    response = client.get(
        reverse("certification:regulator_dashboard"), {"format": "xlsx", "status": CycleStatus.MET}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["人员周期状态"]
    values = list(sheet.values)
    assert values[-1][0] == "合计" and values[-1][-1] == 3
    assert AuditEvent.objects.filter(action="dashboard.export", actor=user).exists()


def test_export_escapes_values_that_a_spreadsheet_would_run_as_formulae():
    assert escape_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert escape_cell("@SUM") == "'@SUM"
    assert escape_cell("王保育") == "王保育"
    assert escape_cell(5) == 5
