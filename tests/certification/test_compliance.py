import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import call_command
from wagtail.models import Page

from certification.models import CycleStatus, CycleSummary, HourEntry, RequirementRule
from certification.selectors.rules import requirement_rule_for
from certification.services.compliance import (
    compliance_on_employment_change,
    compliance_on_hour_entry,
)
from cms.choices import WorkerRole
from cms.models import CoursePage
from tests.factories import EmploymentFactory, PersonFactory

_seq = iter(range(10_000))


def course(audience):
    n = next(_seq)
    return Page.get_first_root_node().add_child(
        instance=CoursePage(
            title=f"课程{n}", slug=f"course-{n}", code=f"C{n:04d}", audience_roles=audience
        )
    )


def credit(person, day, hours, kind="practice", course=None):
    entry = HourEntry.objects.create(
        person=person, date=day, hours=D(hours), kind=kind, source="import", course=course
    )
    compliance_on_hour_entry(entry=entry)
    return entry


@pytest.fixture
def caregiver(orgs):
    person = PersonFactory()
    EmploymentFactory(
        person=person,
        institution=orgs.institution,
        role=WorkerRole.CAREGIVER,
        start_date=dt.date(2022, 3, 1),
    )
    return person


@time_machine.travel("2023-06-01 10:00 +0800")
def test_an_entry_dated_exactly_on_a_boundary_counts_in_the_cycle_that_starts_there(caregiver):
    credit(caregiver, dt.date(2027, 2, 28), 3)
    credit(caregiver, dt.date(2027, 3, 1), 5)
    credit(caregiver, dt.date(2022, 2, 28), 7)  # before the anchor: no cycle
    one = CycleSummary.objects.get(person=caregiver, cycle_number=1)
    two = CycleSummary.objects.get(person=caregiver, cycle_number=2)
    assert (one.start_date, one.end_date, one.practice_hours) == (
        dt.date(2022, 3, 1),
        dt.date(2027, 2, 28),
        D("3"),
    )
    assert (two.start_date, two.practice_hours) == (dt.date(2027, 3, 1), D("5"))
    assert CycleSummary.objects.filter(person=caregiver).count() == 2


@time_machine.travel("2023-06-01 10:00 +0800")
def test_staff_employed_before_the_programme_start_start_their_cycle_at_it(orgs):
    person = PersonFactory()
    EmploymentFactory(person=person, institution=orgs.institution, start_date=dt.date(2015, 5, 4))
    credit(person, dt.date(2021, 1, 1), 2)
    summary = CycleSummary.objects.get(person=person)
    assert (summary.start_date, summary.end_date) == (dt.date(2021, 1, 1), dt.date(2025, 12, 31))


@time_machine.travel("2024-06-01 10:00 +0800")
def test_a_role_change_gives_separate_cycles_and_hours_follow_the_course_audience(caregiver, orgs):
    EmploymentFactory(
        person=caregiver,
        institution=orgs.institution,
        role=WorkerRole.DIRECTOR,
        start_date=dt.date(2024, 1, 10),
    )
    credit(caregiver, dt.date(2024, 2, 1), 4, course=course(["caregiver"]))
    credit(caregiver, dt.date(2024, 2, 2), 6, kind="theory", course=course(["director"]))
    credit(caregiver, dt.date(2024, 2, 3), 1, kind="theory", course=course("all"))
    as_caregiver = CycleSummary.objects.get(person=caregiver, role="caregiver")
    as_director = CycleSummary.objects.get(person=caregiver, role="director")
    assert (as_caregiver.practice_hours, as_caregiver.theory_hours) == (D("4"), D("1"))
    assert (as_director.practice_hours, as_director.theory_hours) == (D("0"), D("7"))
    assert as_director.start_date == dt.date(2024, 1, 10)
    assert as_director.required_total == D("60")


@time_machine.travel("2024-06-01 10:00 +0800")
def test_a_correction_follows_the_corrected_entry_course(caregiver):
    original = credit(caregiver, dt.date(2024, 2, 1), 4, course=course(["caregiver"]))
    fix = HourEntry.objects.create(
        person=caregiver,
        date=original.date,
        hours=D("-1.5"),
        kind="practice",
        source="correction",
        corrects=original,
        reason="重复记录",
    )
    compliance_on_hour_entry(entry=fix)
    assert CycleSummary.objects.get(person=caregiver).practice_hours == D("2.5")


@time_machine.travel("2024-06-01 10:00 +0800")
def test_a_regional_rule_overrides_the_national_one_and_a_future_rule_does_not_apply(
    regions, caregiver
):
    RequirementRule.objects.create(
        region=regions.kunming,
        role="caregiver",
        effective_from=dt.date(2021, 1, 1),
        total_hours=D("90"),
        theory_min=D("30"),
        practice_min=D("60"),
    )
    RequirementRule.objects.create(
        region=regions.wuhua,
        role="caregiver",
        effective_from=dt.date(2030, 1, 1),
        total_hours=D("200"),
        theory_min=D("50"),
        practice_min=D("150"),
    )
    rule = requirement_rule_for(role="caregiver", region=regions.wuhua, on_date=dt.date(2024, 6, 1))
    assert rule.total_hours == D("90")
    national = requirement_rule_for(
        role="caregiver", region=regions.lanzhou, on_date=dt.date(2024, 6, 1)
    )
    assert national.total_hours == D("120")
    credit(caregiver, dt.date(2024, 2, 1), 1)
    assert CycleSummary.objects.get(person=caregiver).required_total == D("90")
    assert requirement_rule_for(
        role="caregiver", region=regions.wuhua, on_date=dt.date(2030, 1, 1)
    ).total_hours == D("200")


@time_machine.travel("2023-06-01 10:00 +0800")
def test_status_moves_from_behind_to_on_track_to_met(caregiver):
    compliance_on_employment_change(person=caregiver)
    summary = CycleSummary.objects.get(person=caregiver)
    assert summary.status == CycleStatus.BEHIND
    for day in range(1, 13):
        credit(caregiver, dt.date(2023, 1, day), 7)
    summary.refresh_from_db()
    assert summary.status == CycleStatus.ON_TRACK
    for day in range(1, 7):
        credit(caregiver, dt.date(2023, 2, day), 7, kind="theory")
    summary.refresh_from_db()
    assert summary.status == CycleStatus.MET
    assert summary.met_on == dt.date(2023, 6, 1)


def test_recompute_corrects_a_tampered_summary_and_reports_it(caregiver, capsys):
    with time_machine.travel("2023-06-01 10:00 +0800"):
        credit(caregiver, dt.date(2023, 1, 5), 4)
        credit(caregiver, dt.date(2023, 1, 6), 2, kind="theory")
        CycleSummary.objects.filter(person=caregiver).update(practice_hours=D("40"))
        call_command("recompute_compliance")
        out = capsys.readouterr().out
        assert f"person {caregiver.pk} caregiver cycle 1: practice 40.0 → 4.0" in out
        summary = CycleSummary.objects.get(person=caregiver)
        assert (summary.practice_hours, summary.theory_hours) == (D("4"), D("2"))
        call_command("recompute_compliance")
        assert "0 corrected" in capsys.readouterr().out


@time_machine.travel("2024-06-01 10:00 +0800")
def test_my_compliance_shows_the_current_cycle_and_lapsed_ones(caregiver, regions):
    from certification.selectors.compliance import person_compliance

    credit(caregiver, dt.date(2024, 2, 1), 5)
    [row] = person_compliance(caregiver)
    assert (row.role, row.cycle_number, row.practice_hours, row.required_total) == (
        "caregiver",
        1,
        D("5"),
        D("120"),
    )
    assert row.status == CycleStatus.BEHIND and row.lapsed == []
    assert row.year_required is None


@time_machine.travel("2024-06-01 10:00 +0800")
def test_qingyuan_staff_see_this_year_in_service_hours(db):
    from certification.models import Region
    from certification.selectors.compliance import person_compliance
    from tests.factories import OrganisationFactory

    qingyuan = Region.objects.get(code="441800")
    person = PersonFactory()
    EmploymentFactory(
        person=person,
        institution=OrganisationFactory(region=qingyuan),
        start_date=dt.date(2023, 1, 1),
    )
    credit(person, dt.date(2023, 12, 1), 6)
    credit(person, dt.date(2024, 3, 1), 3)
    [row] = person_compliance(person)
    assert (row.year_hours, row.year_required) == (D("3"), D("8"))
    assert row.total_hours == D("9")
