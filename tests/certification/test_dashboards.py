"""Regulator dashboard (D-31): totals per drill-down level, scope denial, person drill-down,
xlsx export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from certification.models import AuditEvent, CycleStatus, CycleSummary, StaffRole
from certification.selectors.dashboards import STATUSES, regulator_dashboard
from certification.spreadsheets import escape_cell
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


def _certificate(person, *, issued, revoked_at=None):
    import secrets

    from certification.models import Certificate

    return Certificate.objects.create(
        kind=Certificate.Kind.TRAINING,
        serial=f"TC-{secrets.token_hex(4)}",
        verification_code=secrets.token_urlsafe(16),
        person=person,
        issuer_name="基地",
        issue_date=issued,
        status=Certificate.Status.REVOKED if revoked_at else Certificate.Status.VALID,
        revoked_at=revoked_at,
        revocation_reason="撤销" if revoked_at else "",
    )


def _aware(day):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def activity(regions, orgs, population):
    """Certificates, subsidies (approved / paid) and ban hits in Yunnan, two months apart,
    at 五华区阳光托育园 and at 大理托育园; one more of each in Gansu."""
    from certification.models import (
        BanCheck,
        PaymentBatch,
        PaymentLine,
        SubsidyApplication,
    )
    from tests.factories import EmploymentFactory

    creator = UserFactory(email="creator@example.test")
    jan, mar = dt.date(2026, 1, 10), dt.date(2026, 3, 10)
    batch = PaymentBatch.objects.create(
        region=regions.kunming,
        month=dt.date(2026, 3, 1),
        status=PaymentBatch.Status.PAID,
        created_by=creator,
        paid_at=_aware(mar),
    )

    def worker_of(inst):
        person = PersonFactory(region=inst.region)
        EmploymentFactory(person=person, institution=inst)
        return person

    def app(person, inst, *, on, paid=False):
        cert = _certificate(person, issued=on)
        a = SubsidyApplication.objects.create(
            person=person,
            certificate=cert,
            subsidy_type="training",
            region=inst.region,
            institution=inst,
            status="paid" if paid else "approved",
            amount=Decimal("1500.00"),
            approved_at=_aware(on),
            created_by=creator,
            submitted_at=_aware(on),
        )
        if paid:
            PaymentLine.objects.create(batch=batch, application=a, amount=a.amount)

    dali_inst = population["dali"].organisations.get()
    app(worker_of(orgs.institution), orgs.institution, on=jan)
    app(worker_of(orgs.institution), orgs.institution, on=mar, paid=True)
    app(worker_of(dali_inst), dali_inst, on=mar)
    _certificate(worker_of(orgs.institution), issued=jan, revoked_at=_aware(mar))
    app(worker_of(orgs.other_institution), orgs.other_institution, on=jan, paid=True)
    for inst, on in [(orgs.institution, jan), (dali_inst, mar), (orgs.other_institution, mar)]:
        BanCheck.objects.create(
            at=_aware(on),
            purpose="hiring",
            id_index="x",
            result=BanCheck.Result.HIT,
            region_path=inst.region.path,
            organisation=inst,
        )
    return {"dali_inst": dali_inst}


def test_activity_per_month_counts_certificates_subsidies_and_ban_hits_of_the_subtree(activity):
    from certification.models import Region

    data = regulator_dashboard(region=Region.objects.get(code="530000"), today=TODAY)
    months = {m.month: m for m in data.months}
    jan, mar = months[dt.date(2026, 1, 1)], months[dt.date(2026, 3, 1)]
    assert (jan.issued, jan.revoked, mar.issued, mar.revoked) == (2, 0, 2, 1)
    assert (jan.approved_count, mar.approved_count) == (1, 2)
    assert (mar.paid_count, mar.paid_sum) == (1, Decimal("1500.00"))
    assert (jan.ban_hits, mar.ban_hits) == (1, 1)
    assert data.subsidies == {
        "approved_count": 3,
        "approved_sum": Decimal("4500.00"),
        "paid_count": 1,
        "paid_sum": Decimal("1500.00"),
    }
    assert data.certificates_issued == sum(m.issued for m in data.certificates_by_month) == 4
    assert data.ban_hits == 2


def test_month_range_filter_narrows_the_activity_tables(activity):
    from certification.models import Region
    from certification.selectors.dashboards import DashboardFilters

    march = DashboardFilters(month_from=dt.date(2026, 3, 1), month_to=dt.date(2026, 3, 1))
    data = regulator_dashboard(region=Region.objects.get(code="530000"), today=TODAY, filters=march)
    assert [m.month for m in data.months] == [dt.date(2026, 3, 1)]
    assert (data.certificates_issued, data.certificates_revoked) == (2, 1)
    assert data.subsidies["approved_count"] == 2 and data.ban_hits == 1


def test_institution_drill_down_narrows_subsidies_certificates_and_ban_hits(orgs, activity):
    from certification.models import Region

    data = regulator_dashboard(
        region=Region.objects.get(code="530102"), today=TODAY, institution=orgs.institution
    )
    assert data.subsidies["approved_count"] == 2 and data.subsidies["paid_count"] == 1
    assert data.ban_hits == 1
    assert data.certificates_issued == 3 and data.certificates_revoked == 1
    assert [p["status"] for p in data.people] == sorted(
        [CycleStatus.MET, CycleStatus.BEHIND, CycleStatus.LAPSED]
    )


def test_role_filter_keeps_only_that_roles_row_and_its_people(population):
    from certification.models import Region
    from certification.selectors.dashboards import DashboardFilters

    director_inst = population["panlong"].organisations.get()
    summary(
        PersonFactory(region=director_inst.region),
        institution=director_inst,
        status=CycleStatus.MET,
        role=WorkerRole.DIRECTOR,
    )
    region = Region.objects.get(code="530000")
    everyone = regulator_dashboard(region=region, today=TODAY)
    assert {r.key: r.total for r in everyone.by_role if r.total} == {
        WorkerRole.CAREGIVER: 7,
        WorkerRole.DIRECTOR: 1,
    }
    assert sum(r.total for r in everyone.by_role) == everyone.total
    directors = regulator_dashboard(
        region=region, today=TODAY, filters=DashboardFilters(role=WorkerRole.DIRECTOR)
    )
    assert [(r.key, r.total) for r in directors.by_role] == [(WorkerRole.DIRECTOR, 1)]
    assert directors.total == 1 == sum(r.total for r in directors.rows)


def test_page_draws_status_bars_and_filters_carry_into_the_export_link(client, cast, population):
    client.force_login(cast.regulator)
    response = client.get(
        reverse("certification:regulator_dashboard"),
        {"status": CycleStatus.BEHIND, "from": "2026-01"},
    )
    body = response.content.decode()
    assert '<svg class="stack' in body and 'class="seg-behind"' in body
    assert 'class="seg-met"' not in body  # filtered out
    assert "status=behind" in body and "format=xlsx" in body
    assert "?region=530102&amp;status=behind&amp;from=2026-01" in body  # drill-down keeps filters
    assert "保育人员" in body or str(WorkerRole.CAREGIVER.label) in body


def test_person_drill_down_links_each_person_and_shows_status_labels(
    client, cast, orgs, population
):
    client.force_login(cast.regulator)
    body = client.get(
        reverse("certification:regulator_dashboard"),
        {"region": "530102", "institution": orgs.institution.pk},
    ).content.decode()
    person = (
        CycleSummary.objects.filter(institution=orgs.institution, status=CycleStatus.LAPSED)
        .get()
        .person
    )
    assert reverse("certification:person_detail", args=[person.pk]) in body
    assert str(CycleStatus.LAPSED.label) in body


def test_export_holds_every_table_with_totals_that_match(client, cast, activity):
    user = UserFactory(email="prov2@example.test")
    membership(user, StaffRole.REGULATOR, region_obj=activity["dali_inst"].region.parent)
    client.force_login(user)
    response = client.get(reverse("certification:regulator_dashboard"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["人员周期状态", "按岗位", "证书", "补贴与禁入"]
    status_total = list(book["人员周期状态"].values)[-1][-1]
    assert sum(r[-1] for r in list(book["按岗位"].values)[1:]) == status_total == 7
    certs = list(book["证书"].values)
    assert certs[-1] == ("合计", 4, 1)
    money = list(book["补贴与禁入"].values)
    assert money[-1] == ("合计", 3, 4500, 1, 1500, 2)


def test_breadcrumbs_stop_at_the_regulators_own_region(client, cast, population):
    client.force_login(cast.regulator)  # Kunming
    body = client.get(
        reverse("certification:regulator_dashboard"), {"region": "530102"}
    ).content.decode()
    assert 'href="?region=530100"' in body
    assert 'href="?region=530000"' not in body


def test_an_unknown_or_oversized_institution_number_is_404(client, cast, population):
    client.force_login(cast.regulator)
    url = reverse("certification:regulator_dashboard")
    assert client.get(url, {"institution": "999999"}).status_code == 404
    assert client.get(url, {"institution": "9" * 30}).status_code == 404
