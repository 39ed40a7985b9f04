"""Yearly health care (issue 20, D-36): the standing rule on its edge dates, the same standing
computed by the database, the institution's pages (record a check or a training, import a sheet
all or nothing), who may see them, the reminders before a certificate lapses and the counts on
the dashboards."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from certification.models import (
    AuditEvent,
    HealthCheck,
    HealthTraining,
    ImportJob,
    Notification,
)
from certification.rules.health import HealthFacts, HealthStatus, health_status
from certification.selectors.health import (
    employed_at,
    institution_health_counts,
    people_with_health_status,
    region_health_counts,
)
from certification.services.health import COLUMNS, health_reminders_send
from cms.celery import beat_schedule
from cms.demo import demo_steps
from cms.models import User
from tests.factories import (
    EmploymentFactory,
    HealthCheckFactory,
    HealthTrainingFactory,
    OrganisationFactory,
    PersonFactory,
    new_id_number,
)

S = HealthStatus
DAY = dt.date(2026, 6, 15)


def _facts(*, check=DAY - dt.timedelta(days=60), fit=True, valid=None, training=None):
    return HealthFacts(
        last_check_date=check,
        last_check_fit=fit if check else None,
        valid_until=valid if valid is not None else DAY + dt.timedelta(days=300),
        last_training_date=training if training is not None else DAY - dt.timedelta(days=60),
    )


# --- The rule ---------------------------------------------------------------------------------


def test_a_certificate_valid_until_today_is_still_valid_today_and_lapses_tomorrow():
    assert health_status(_facts(valid=DAY), on_date=DAY) == S.DUE
    assert health_status(_facts(valid=DAY), on_date=DAY + dt.timedelta(days=1)) == S.OVERDUE
    # Expired yesterday: overdue today.
    assert health_status(_facts(valid=DAY - dt.timedelta(days=1)), on_date=DAY) == S.OVERDUE


def test_due_soon_starts_thirty_days_before_the_certificate_lapses():
    assert health_status(_facts(valid=DAY + dt.timedelta(days=31)), on_date=DAY) == S.OK
    assert health_status(_facts(valid=DAY + dt.timedelta(days=30)), on_date=DAY) == S.DUE


def test_exactly_one_year_since_the_last_training_makes_it_due():
    last = dt.date(2025, 6, 15)
    exactly = _facts(training=last)
    assert health_status(exactly, on_date=DAY, due_days=0) == S.DUE
    assert health_status(exactly, on_date=DAY - dt.timedelta(days=1), due_days=0) == S.OK
    # With the default window the training is due a month ahead of its anniversary.
    assert health_status(exactly, on_date=dt.date(2026, 5, 16)) == S.DUE
    assert health_status(exactly, on_date=dt.date(2026, 5, 15)) == S.OK


def test_a_year_since_the_last_check_makes_it_due_even_with_a_longer_certificate():
    old_check = _facts(check=dt.date(2025, 6, 15), valid=dt.date(2027, 6, 14))
    assert health_status(old_check, on_date=DAY, due_days=0) == S.DUE
    assert health_status(old_check, on_date=DAY - dt.timedelta(days=1), due_days=0) == S.OK


def test_missing_unfit_and_no_training_yet():
    assert health_status(HealthFacts(), on_date=DAY) == S.MISSING
    # Unfit wins over a certificate that would otherwise still be valid.
    assert health_status(_facts(fit=False), on_date=DAY) == S.UNFIT
    no_training = HealthFacts(DAY - dt.timedelta(days=10), True, DAY + dt.timedelta(days=300))
    assert health_status(no_training, on_date=DAY) == S.DUE
    assert health_status(_facts(), on_date=DAY) == S.OK


# --- The database agrees with the rule --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("check_offset", "result", "valid_offset", "training_offset"),
    [
        (None, None, None, None),  # missing
        (-60, "unfit", None, -60),
        (-60, "fit", 0, -60),  # expiring today
        (-60, "fit", -1, -60),  # expired yesterday
        (-60, "fit", 30, -60),
        (-60, "fit", 31, -60),
        (-60, "fit", 300, -335),  # a year since the training within 30 days
        (-60, "fit", 300, -334),
        (-60, "fit", 300, None),  # no training yet
        (-366, "fit", 300, -10),  # a check more than a year old
    ],
)
def test_the_dashboard_query_computes_the_same_standing_as_the_rule(
    orgs, check_offset, result, valid_offset, training_offset
):
    today = timezone.localdate()
    person = PersonFactory()
    EmploymentFactory(person=person, institution=orgs.institution)
    facts = HealthFacts()
    if check_offset is not None:
        check = HealthCheckFactory(
            person=person,
            institution=orgs.institution,
            check_date=today + dt.timedelta(days=check_offset),
            result=result,
            valid_until=today + dt.timedelta(days=valid_offset)
            if valid_offset is not None
            else None,
        )
        facts = HealthFacts(check.check_date, result == "fit", check.valid_until)
    if training_offset is not None:
        training = HealthTrainingFactory(
            person=person,
            institution=orgs.institution,
            training_date=today + dt.timedelta(days=training_offset),
        )
        facts = HealthFacts(
            facts.last_check_date, facts.last_check_fit, facts.valid_until, training.training_date
        )
    in_db = people_with_health_status(employed_at(orgs.institution)).get(pk=person.pk)
    assert in_db.health_status == health_status(facts, on_date=today)


@pytest.mark.django_db
def test_the_region_count_agrees_with_the_rule_person_by_person(
    orgs, regions, django_assert_max_num_queries
):
    """Issue 18: the dashboards count in one query that reads each person's latest check and
    training once; the figures are the rule's, person by person, on the edge dates, with an
    older check or training that must not count and a person employed twice counted once."""
    today = timezone.localdate()
    days = dt.timedelta
    cases = [  # (check offset, result, valid offset, training offset)
        (None, None, None, None),
        (-60, "unfit", None, -60),
        (-60, "fit", 0, -60),
        (-60, "fit", -1, -60),
        (-60, "fit", 30, -60),
        (-60, "fit", 31, -60),
        (-60, "fit", 300, -335),
        (-60, "fit", 300, -334),
        (-60, "fit", 300, None),
        (-366, "fit", 300, -10),
    ]
    expected: dict[str, int] = dict.fromkeys(S.values, 0)
    for check, result, valid, training in cases:
        person = PersonFactory()
        EmploymentFactory(person=person, institution=orgs.institution)
        facts = HealthFacts()
        if check is not None:
            # an older check, fit and long valid, that the latest one overrides
            HealthCheckFactory(
                person=person,
                institution=orgs.institution,
                check_date=today + days(check - 30),
                result="fit",
                valid_until=today + days(700),
            )
            latest = HealthCheckFactory(
                person=person,
                institution=orgs.institution,
                check_date=today + days(check),
                result=result,
                valid_until=today + days(valid) if valid is not None else None,
            )
            facts = HealthFacts(latest.check_date, result == "fit", latest.valid_until)
        if training is not None:
            HealthTrainingFactory(
                person=person, institution=orgs.institution, training_date=today + days(-900)
            )
            facts = HealthFacts(
                facts.last_check_date,
                facts.last_check_fit,
                facts.valid_until,
                today + days(training),
            )
            HealthTrainingFactory(
                person=person, institution=orgs.institution, training_date=facts.last_training_date
            )
        expected[health_status(facts, on_date=today)] += 1
    twice = PersonFactory()  # two jobs in the region at once: one person
    EmploymentFactory(person=twice, institution=orgs.institution)
    EmploymentFactory(person=twice, institution=OrganisationFactory(region=regions.kunming))
    expected[S.MISSING] += 1
    gone = PersonFactory()  # no longer employed: not counted
    EmploymentFactory(person=gone, institution=orgs.institution, end_date=today - days(1))

    with django_assert_max_num_queries(1):  # one grouped count (the subtree is a subquery)
        counts = region_health_counts(region=regions.yunnan)
    assert {s: counts[s] for s in S.values} == expected
    assert counts["total"] == len(cases) + 1
    assert counts["flagged"] == expected[S.UNFIT] + expected[S.OVERDUE]
    # The institution's own count agrees with its list, which uses the correlated subqueries.
    listed = [p.health_status for p in people_with_health_status(employed_at(orgs.institution))]
    own = institution_health_counts(institution=orgs.institution)
    assert {s: own[s] for s in S.values} == {s: listed.count(s) for s in S.values}
    assert own["total"] == len(cases) + 1


# --- Pages ------------------------------------------------------------------------------------


@pytest.fixture
def staff(cast, orgs):
    """cast.worker fit and trained, cast.director overdue, a third person never checked."""
    today = timezone.localdate()
    HealthCheckFactory(person=cast.worker, institution=orgs.institution)
    HealthTrainingFactory(person=cast.worker, institution=orgs.institution)
    HealthCheckFactory(
        person=cast.director,
        institution=orgs.institution,
        check_date=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
    )
    HealthTrainingFactory(person=cast.director, institution=orgs.institution)
    newcomer = PersonFactory(name="孙新人")
    EmploymentFactory(person=newcomer, institution=orgs.institution)
    return newcomer


def _people_url(institution, status=""):
    url = reverse("certification:health_people", args=[institution.pk])
    return f"{url}?status={status}" if status else url


@pytest.mark.django_db
def test_the_institution_lists_its_people_by_standing_and_filters_them(client, cast, orgs, staff):
    client.force_login(cast.institution_admin)
    resp = client.get(_people_url(orgs.institution))
    assert resp.status_code == 200
    statuses = {p["name"]: p["health_status"] for p in resp.context["people"]}
    assert statuses == {"王保育": "ok", "李园长": "overdue", "孙新人": "missing"}
    assert [p["name"] for p in resp.context["people"]][0] == "李园长"  # attention first
    assert "赵外地" not in resp.content.decode()  # another institution's employee
    overdue = client.get(_people_url(orgs.institution, "overdue"))
    assert [p["name"] for p in overdue.context["people"]] == ["李园长"]
    body = overdue.content.decode()
    assert cast.director.id_masked in body and "健康证已过期" in body


@pytest.mark.django_db
def test_recording_a_check_clears_the_flag_and_is_audited(client, cast, orgs, staff):
    client.force_login(cast.institution_admin)
    url = reverse("certification:health_check_new", args=[orgs.institution.pk, cast.director.pk])
    page = client.get(url).content.decode()
    assert '<label for="id_hospital">' in page and '<label for="id_valid_until">' in page
    today = timezone.localdate()
    resp = client.post(
        url,
        {
            "check_date": today.isoformat(),
            "result": "fit",
            "hospital": "五华区妇幼保健院",
            "certificate_number": "JK-2026-77",
            "valid_until": (today + dt.timedelta(days=364)).isoformat(),
        },
    )
    assert resp.status_code == 302
    check = HealthCheck.objects.get(person=cast.director, check_date=today)
    assert (check.result, check.recorded_by, check.institution) == (
        "fit",
        cast.institution_admin,
        orgs.institution,
    )
    row = AuditEvent.objects.get(action="health.check_record", object_id=str(check.pk))
    assert row.actor == cast.institution_admin and row.data["source"] == "form"
    listing = client.get(resp["Location"])
    assert {p["name"]: p["health_status"] for p in listing.context["people"]}["李园长"] == "ok"
    assert "已登记 李园长 的年度体检" in listing.content.decode()


@pytest.mark.django_db
def test_a_check_that_does_not_hold_together_is_refused_with_clear_errors(
    client, cast, orgs, staff
):
    client.force_login(cast.institution_admin)
    url = reverse("certification:health_check_new", args=[orgs.institution.pk, staff.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    resp = client.post(
        url, {"check_date": tomorrow.isoformat(), "result": "fit", "hospital": "某医院"}
    )
    assert resp.status_code == 200
    errors = resp.context["form"].errors
    assert errors["check_date"] == ["体检日期不能晚于今天。"]
    assert errors["certificate_number"] == ["体检合格时请填写健康证号。"]
    assert errors["valid_until"] == ["体检合格时请填写健康证有效期。"]
    assert not HealthCheck.objects.filter(person=staff).exists()
    # An unfit result needs no certificate, and flags the person.
    resp = client.post(
        url,
        {"check_date": timezone.localdate().isoformat(), "result": "unfit", "hospital": "某医院"},
    )
    assert resp.status_code == 302
    listing = client.get(_people_url(orgs.institution, "unfit"))
    assert [p["name"] for p in listing.context["people"]] == ["孙新人"]


@pytest.mark.django_db
def test_recording_a_training_makes_a_check_without_one_ok(client, cast, orgs):
    HealthCheckFactory(person=cast.worker, institution=orgs.institution)
    client.force_login(cast.institution_admin)
    listing = client.get(_people_url(orgs.institution))
    assert {p["name"]: p["health_status"] for p in listing.context["people"]}["王保育"] == "due"
    url = reverse("certification:health_training_new", args=[orgs.institution.pk, cast.worker.pk])
    bad = client.post(url, {"training_date": "2026-01-05", "hours": "0", "provider": ""})
    assert set(bad.context["form"].errors) == {"hours", "provider"}
    resp = client.post(
        url,
        {
            "training_date": timezone.localdate().isoformat(),
            "hours": "3.5",
            "provider": "卫生保健与传染病防控",
        },
    )
    assert resp.status_code == 302
    training = HealthTraining.objects.get(person=cast.worker)
    assert training.hours == Decimal("3.5")
    assert AuditEvent.objects.filter(
        action="health.training_record", object_id=str(training.pk)
    ).exists()
    listing = client.get(_people_url(orgs.institution))
    assert {p["name"]: p["health_status"] for p in listing.context["people"]}["王保育"] == "ok"


@pytest.mark.django_db
def test_only_the_employer_records_regulators_read_and_everyone_else_is_refused(
    client, cast, orgs, staff
):
    check_url = reverse(
        "certification:health_check_new", args=[orgs.institution.pk, cast.worker.pk]
    )
    # Another institution's admin: 404, audited, nothing learned.
    client.force_login(cast.other_institution_admin)
    assert client.get(_people_url(orgs.institution)).status_code == 404
    assert client.get(check_url).status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied",
        actor=cast.other_institution_admin,
        data__attempted="health.view",
    ).exists()
    # The regulator of the region reads the list, without the record links, and may not record.
    client.force_login(cast.regulator)
    listing = client.get(_people_url(orgs.institution))
    assert listing.status_code == 200 and listing.context["can_record"] is False
    assert check_url not in listing.content.decode()
    assert client.get(check_url).status_code == 403
    assert AuditEvent.objects.filter(
        action="access.denied", actor=cast.regulator, data__attempted="health.record"
    ).exists()
    # A regulator of another province is refused like anyone else.
    client.force_login(cast.other_regulator)
    assert client.get(_people_url(orgs.institution)).status_code == 404
    # The admin cannot record for a person the institution does not employ.
    client.force_login(cast.institution_admin)
    url = reverse(
        "certification:health_check_new", args=[orgs.institution.pk, cast.other_worker.pk]
    )
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor=cast.institution_admin, data__attempted="health.record"
    ).exists()


# --- Import -----------------------------------------------------------------------------------


def _xlsx(rows, header=COLUMNS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("体检.xlsx", out.getvalue())


def _row(name, number, *, day=None, result="合格", hospital="某某医院", cert="JK1", valid=None):
    day = day or (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    if valid is None:
        valid = (timezone.localdate() + dt.timedelta(days=360)).isoformat()
    return (name, "居民身份证", number, day, result, hospital, cert, valid)


def _employee(orgs, name):
    number = new_id_number()
    person = PersonFactory(name=name, id_number=number)
    EmploymentFactory(person=person, institution=orgs.institution)
    return person, number


def _import(client, institution, upload):
    return client.post(
        reverse("certification:health_import", args=[institution.pk]), {"file": upload}
    )


@pytest.mark.django_db
def test_a_sheet_of_good_rows_is_imported_and_audited(client, cast, orgs):
    people = [_employee(orgs, f"员工{i}") for i in range(3)]
    rows = [_row(p.name, n) for p, n in people]
    rows[2] = _row(people[2][0].name, people[2][1], result="不合格", cert="", valid="")
    client.force_login(cast.institution_admin)

    resp = _import(client, orgs.institution, _xlsx(rows))

    assert resp.status_code == 302
    checks = HealthCheck.objects.filter(person__in=[p for p, _n in people])
    assert checks.count() == 3
    assert checks.get(person=people[2][0]).result == "unfit"
    assert (
        AuditEvent.objects.filter(action="health.check_record", data__source="import").count() == 3
    )
    assert AuditEvent.objects.get(action="health.checks_import").data == {"rows": 3}
    # Re-importing the same sheet corrects the same day's records, never doubles them.
    _import(client, orgs.institution, _xlsx(rows))
    assert checks.count() == 3


@pytest.mark.django_db
def test_bad_rows_are_named_and_nothing_is_saved(client, cast, orgs):
    good, good_number = _employee(orgs, "钱好")
    elsewhere = cast.other_worker  # employed at another institution
    elsewhere_number = new_id_number()
    elsewhere_person = PersonFactory(name="孙别处", id_number=elsewhere_number)
    EmploymentFactory(person=elsewhere_person, institution=orgs.other_institution)
    ok_person, ok_number = _employee(orgs, "周全")
    rows = [
        _row("钱好", good_number),
        _row("孙别处", elsewhere_number),  # registered, employed elsewhere
        _row("无名", new_id_number()),  # not registered at all
        _row("周全", ok_number, result="良好", day="2026-03-01"),
        _row("周全", ok_number, hospital="", day="2026-13-01"),
        _row("周全", ok_number, cert="", valid="", day="2026-03-03"),
        _row("冒名", good_number, day="2026-01-02"),
    ]
    client.force_login(cast.institution_admin)

    resp = _import(client, orgs.institution, _xlsx(rows))

    assert resp.status_code == 200
    found = {(e.row, e.column) for e in resp.context["errors"]}
    assert found == {
        (3, "证件号码"),
        (4, "证件号码"),
        (5, "体检结论"),
        (6, "体检医院"),
        (6, "体检日期"),
        (7, "健康证号"),
        (7, "健康证有效期至"),
        (8, "姓名"),
    }
    by_row = {e.row: e.message for e in resp.context["errors"] if e.column == "证件号码"}
    # Employed elsewhere and unknown get the same answer.
    assert by_row[3] == by_row[4] == "该证件号码不是本机构在职人员。"
    assert "孙别处" not in resp.content.decode().split("<main")[-1]
    assert not HealthCheck.objects.filter(person__in=[good, ok_person]).exists()
    assert elsewhere.health_checks.count() == 0


@pytest.mark.django_db
def test_the_template_downloads_and_a_large_sheet_runs_as_an_import_job(
    client, cast, orgs, settings, django_capture_on_commit_callbacks
):
    client.force_login(cast.institution_admin)
    resp = client.get(reverse("certification:health_template"))
    assert tuple(c.value for c in load_workbook(io.BytesIO(resp.content)).active[1]) == COLUMNS
    settings.IMPORT_ASYNC_ROWS = 3
    people = [_employee(orgs, f"员工{i}") for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        resp = _import(client, orgs.institution, _xlsx([_row(p.name, n) for p, n in people]))
    job = ImportJob.objects.get(kind=ImportJob.Kind.HEALTH_CHECKS)
    assert resp["Location"] == reverse("certification:import_job_progress", args=[job.pk])
    job.refresh_from_db()  # CELERY_TASK_ALWAYS_EAGER: the job ran once the request committed
    assert (job.status, job.saved) == (ImportJob.Status.DONE, 5)
    assert HealthCheck.objects.filter(institution=orgs.institution).count() == 5
    progress = client.get(resp["Location"]).content.decode()
    assert reverse("certification:health_import", args=[orgs.institution.pk]) in progress


# --- Reminders --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_reach_each_employer_once_per_threshold(cast, orgs):
    today = timezone.localdate()
    check = HealthCheckFactory(
        person=cast.worker,
        institution=orgs.institution,
        check_date=today - dt.timedelta(days=335),
        valid_until=today + dt.timedelta(days=30),
    )
    EmploymentFactory(person=cast.worker, institution=orgs.other_institution)
    # Someone with a newer check is not reminded about the old certificate.
    HealthCheckFactory(
        person=cast.director,
        institution=orgs.institution,
        check_date=today - dt.timedelta(days=340),
        valid_until=today + dt.timedelta(days=20),
    )
    HealthCheckFactory(person=cast.director, institution=orgs.institution)

    assert health_reminders_send(on_date=today) == {"sent": 2}
    notices = Notification.objects.filter(kind=Notification.Kind.HEALTH_REMINDER)
    assert {n.recipient_organisation for n in notices} == {orgs.institution, orgs.other_institution}
    assert "王保育" in notices.first().title and "30" in notices.first().title
    assert health_reminders_send(on_date=today) == {"sent": 0}  # a re-run sends nothing twice
    assert health_reminders_send(on_date=today + dt.timedelta(days=10)) == {"sent": 0}
    # The 7-day threshold sends once more, once.
    assert health_reminders_send(on_date=check.valid_until - dt.timedelta(days=7)) == {"sent": 2}
    assert health_reminders_send(on_date=check.valid_until - dt.timedelta(days=6)) == {"sent": 0}
    assert notices.all().count() == 4
    assert AuditEvent.objects.filter(action="health.reminders_sent").count() == 2


def test_the_reminders_run_daily_from_beat():
    assert (
        beat_schedule()["health-reminders-daily"]["task"] == "certification.send_health_reminders"
    )


# --- Dashboards and the person page -----------------------------------------------------------


def _counts(resp) -> dict:
    return {key: n for key, _label, n in resp.context["health_counts"]}


@pytest.mark.django_db
def test_dashboards_count_due_and_overdue_and_flag_the_person(client, cast, orgs, staff):
    today = timezone.localdate()
    due = PersonFactory(name="吴将到期")
    EmploymentFactory(person=due, institution=orgs.institution)
    HealthCheckFactory(person=due, institution=orgs.institution, valid_until=today)
    HealthTrainingFactory(person=due, institution=orgs.institution)

    client.force_login(cast.institution_admin)
    resp = client.get(reverse("certification:institution_dashboard"))
    assert _counts(resp) == {"unfit": 0, "overdue": 1, "missing": 1, "due": 1, "ok": 1}
    flagged = {r["person__name"]: r["health_label"] for r in resp.context["roster"]}
    assert flagged["李园长"] == "健康证已过期" and flagged["王保育"] == ""
    assert 'data-testid="health-flag"' in resp.content.decode()

    client.force_login(cast.regulator)
    region = client.get(reverse("certification:regulator_dashboard"))
    assert _counts(region)["overdue"] == 1 and _counts(region)["due"] == 1
    # The other province's employee is not counted; its regulator sees only that one.
    assert sum(_counts(region).values()) == 4
    client.force_login(cast.other_regulator)
    assert _counts(client.get(reverse("certification:regulator_dashboard")))["missing"] == 1

    # The person page shows the flag to the employer.
    client.force_login(cast.institution_admin)
    detail = client.get(reverse("certification:person_detail", args=[cast.director.pk]))
    assert detail.context["health"]["flagged"] is True
    assert "已标记，不得上岗" in detail.content.decode()


@pytest.mark.django_db
def test_the_demo_institution_shows_one_overdue_and_one_unfit_person(client):
    for step in demo_steps():
        if step.name in ("regions, organisations, people and accounts", "health checks"):
            step.func(lambda _msg: None)
            if step.name == "health checks":
                step.func(lambda _msg: None)  # a re-run adds nothing
    client.force_login(User.objects.get(email="inst@demo.carecert.cn"))
    counts = _counts(client.get(reverse("certification:institution_dashboard")))
    assert (counts["overdue"], counts["unfit"], counts["due"], counts["ok"]) == (1, 1, 1, 1)
    assert counts["missing"] >= 1
    assert HealthCheck.objects.count() == 4
