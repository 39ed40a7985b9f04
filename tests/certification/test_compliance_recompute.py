"""recompute_compliance (D-12, D-13, D-18): rebuilding the cycle summaries from the ledger."""

import datetime as dt
from decimal import Decimal as D
from unittest import mock

import time_machine
from django.core.management import call_command

from certification.models import (
    AuditEvent,
    CycleStatus,
    CycleSummary,
    HourEntry,
    RequirementRule,
)
from certification.services.compliance_recompute import compliance_recompute
from certification.tasks.compliance import recompute_compliance, recompute_progress
from cms.choices import WorkerRole
from tests.certification.test_compliance import course, credit
from tests.factories import EmploymentFactory, PersonFactory

FIELDS = (
    "person_id",
    "role",
    "cycle_number",
    "start_date",
    "end_date",
    "required_total",
    "required_theory",
    "required_practice",
    "theory_hours",
    "practice_hours",
    "status",
    "met_on",
    "institution_id",
    "region_path",
)


def snapshot():
    return sorted(CycleSummary.objects.values_list(*FIELDS))


@time_machine.travel("2024-06-01 10:00 +0800")
def test_a_rebuild_from_an_empty_table_matches_what_postings_kept_current(orgs, regions):
    RequirementRule.objects.create(
        region=regions.kunming,
        role="caregiver",
        effective_from=dt.date(2021, 1, 1),
        total_hours=D("90"),
        theory_min=D("30"),
        practice_min=D("60"),
    )
    leap = PersonFactory()  # 29 February anchor, caregiver then also director
    EmploymentFactory(
        person=leap,
        institution=orgs.institution,
        role=WorkerRole.CAREGIVER,
        start_date=dt.date(2016, 2, 29),
    )
    EmploymentFactory(
        person=leap,
        institution=orgs.other_institution,
        role=WorkerRole.DIRECTOR,
        start_date=dt.date(2024, 2, 29),
    )
    idle = PersonFactory()  # employed, no hours: only the current cycle's row
    EmploymentFactory(person=idle, institution=orgs.institution, start_date=dt.date(2023, 5, 1))
    for_caregivers, for_directors = course(["caregiver"]), course(["director"])
    credit(leap, dt.date(2020, 12, 31), 3)  # before the programme start: no cycle
    credit(leap, dt.date(2021, 1, 1), 4, course=for_caregivers)
    credit(leap, dt.date(2023, 3, 1), 5, kind="theory", course=for_directors)
    original = credit(leap, dt.date(2024, 2, 29), 6, course=for_directors)
    fix = HourEntry.objects.create(
        person=leap,
        date=original.date,
        hours=D("-2"),
        kind="practice",
        source="correction",
        corrects=original,
        reason="重复记录",
    )
    from certification.services.compliance import (
        compliance_on_employment_change,
        compliance_on_hour_entry,
    )

    compliance_on_hour_entry(entry=fix)
    for _ in range(9):  # caregiver cycle met: 90 total, ≥60 practice, ≥30 theory
        credit(leap, dt.date(2022, 1, 3 + _), 7, course=for_caregivers)
        credit(leap, dt.date(2022, 2, 3 + _), 4, kind="theory")
    compliance_on_employment_change(person=idle)
    kept_current = snapshot()
    assert CycleSummary.objects.get(person=leap, role="caregiver").status == CycleStatus.MET

    CycleSummary.objects.all().delete()
    result = compliance_recompute(chunk_size=1)
    assert snapshot() == kept_current
    assert result.created == len(kept_current) == 3
    assert f"person {idle.pk} caregiver cycle 1: missing → theory 0.0, practice 0.0" in (
        result.corrections
    )

    again = compliance_recompute()
    assert (again.checked, again.corrections, again.created) == (3, [], 0)


def test_recompute_corrects_a_corrupted_summary_reports_it_and_enqueues_no_duplicate_statement(
    cast, capsys
):
    with time_machine.travel("2026-06-01 10:00 +0800"):
        for day in range(1, 13):
            credit(cast.worker, dt.date(2026, 1, day), 7)
        for day in range(1, 7):
            credit(cast.worker, dt.date(2026, 2, day), 7, kind="theory")
        summary = CycleSummary.objects.get(person=cast.worker)
        assert summary.status == CycleStatus.MET
        CycleSummary.objects.filter(pk=summary.pk).update(
            theory_hours=D("1"), practice_hours=D("200")
        )
        with mock.patch(
            "certification.services.compliance_recompute.enqueue_cycle_statement"
        ) as enqueue:
            call_command("recompute_compliance")
        out = capsys.readouterr().out
        assert (
            f"person {cast.worker.pk} caregiver cycle 1: theory 1.0 → 42.0, practice 200.0 → 84.0"
        ) in out
        summary.refresh_from_db()
        assert (summary.theory_hours, summary.practice_hours, summary.status) == (
            D("42"),
            D("84"),
            CycleStatus.MET,
        )
        enqueue.assert_not_called()  # already met: its statement was asked for by the posting
        call_command("recompute_compliance")
        assert "0 corrected" in capsys.readouterr().out


@time_machine.travel("2026-06-01 10:00 +0800")
def test_a_cycle_the_recompute_finds_met_gets_one_statement_after_commit(
    cast, django_capture_on_commit_callbacks
):
    for day in range(1, 13):
        credit(cast.worker, dt.date(2026, 1, day), 7)
    summary = CycleSummary.objects.get(person=cast.worker)
    CycleSummary.objects.filter(pk=summary.pk).update(  # hours lost: still counted as behind
        theory_hours=D("0"), practice_hours=D("0"), status=CycleStatus.BEHIND
    )
    HourEntry.objects.bulk_create(
        [  # hours that reached the ledger without the hook
            HourEntry(
                person=cast.worker,
                date=dt.date(2026, 2, day),
                hours=D("7"),
                kind="theory",
                source="import",
            )
            for day in range(1, 7)
        ]
    )
    with mock.patch(
        "certification.services.compliance_recompute.enqueue_cycle_statement"
    ) as enqueue:
        first = compliance_recompute()
        second = compliance_recompute()
    enqueue.assert_called_once_with(summary.pk)
    assert (first.statements_enqueued, second.statements_enqueued) == (1, 0)
    summary.refresh_from_db()
    assert (summary.status, summary.met_on) == (CycleStatus.MET, dt.date(2026, 6, 1))


@time_machine.travel("2026-06-01 10:00 +0800")
def test_the_recompute_task_records_progress_and_an_audit_event(cast):
    credit(cast.worker, dt.date(2026, 1, 5), 3)
    CycleSummary.objects.filter(person=cast.worker).update(practice_hours=D("9"))
    outcome = recompute_compliance.delay(chunk_size=2).get()
    assert outcome["corrected"] >= 1 and outcome["checked"] >= 1
    progress = recompute_progress()
    assert progress["finished"] and progress["done"] == progress["total"]
    assert progress["corrected"] == outcome["corrected"]
    assert AuditEvent.objects.filter(action="compliance.recompute").count() == 1
    assert CycleSummary.objects.get(person=cast.worker).practice_hours == D("3")


@time_machine.travel("2026-06-01 10:00 +0800")
def test_the_command_can_hand_the_recompute_to_celery(cast, capsys):
    credit(cast.worker, dt.date(2026, 1, 5), 3)
    CycleSummary.objects.filter(person=cast.worker).update(practice_hours=D("9"))
    call_command("recompute_compliance", "--background")
    assert "enqueued task" in capsys.readouterr().out
    assert CycleSummary.objects.get(person=cast.worker).practice_hours == D("3")  # eager here
    assert recompute_progress()["finished"]
