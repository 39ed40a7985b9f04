"""Ban register, gates, cascade, import and yearly re-check (D-22…D-25)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from openpyxl import Workbook

from certification.models import (
    ApplicationStatus,
    AuditEvent,
    BanCheck,
    BanEntry,
    Certificate,
    CheckPurpose,
    Employment,
    Notification,
)
from certification.services import ban_register
from certification.services.ban_register import ban_annul, ban_create, ban_import
from certification.services.bans import PersonBanned, ban_gate, ban_yearly_recheck
from certification.services.people import employment_create
from certification.spreadsheets import SpreadsheetRefused
from certification.tasks.bans import cascade_bans_coming_into_force
from cms.celery import beat_schedule
from tests.factories import (
    CertificateFactory,
    EmploymentFactory,
    PersonFactory,
    SubsidyApplicationFactory,
    new_id_number,
)


def _ban(cast, regions, number, **extra):
    fields = {
        "id_type": "resident",
        "id_number": number,
        "name": "某某",
        "region": regions.kunming,
        "ban_type": BanEntry.BanType.LIFETIME,
        "reason_category": BanEntry.Reason.ABUSE,
        "decision_number": "（2026）云01刑初1号",
        "authority": "昆明市中级人民法院",
        "effective_date": dt.date(2026, 1, 1),
        "reason_detail": "殴打幼儿",
    }
    fields.update(extra)
    return ban_create(actor=cast.regulator, **fields)


def _person(number=None):
    number = number or new_id_number()
    return PersonFactory(id_number=number), number


@pytest.mark.parametrize(
    "purpose",
    [
        CheckPurpose.CLAIM,
        CheckPurpose.ENROLMENT,
        CheckPurpose.HIRING,
        CheckPurpose.CERTIFICATE,
        CheckPurpose.SUBSIDY,
    ],
)
def test_every_gate_blocks_a_banned_person_and_passes_a_clear_one(cast, regions, purpose):
    banned, number = _person()
    clear, _ = _person()
    _ban(cast, regions, number)
    with pytest.raises(PersonBanned) as exc:
        ban_gate(id_index=banned.id_index, purpose=purpose, actor=cast.institution_admin)
    assert "请联系卫生健康部门" in str(exc.value)
    assert "虐待" not in str(exc.value)
    assert ban_gate(id_index=clear.id_index, purpose=purpose).is_hit is False
    results = list(BanCheck.objects.filter(purpose=purpose).values_list("result", flat=True))
    assert sorted(results) == ["clear", "hit"]


def test_hiring_a_banned_person_is_refused_and_the_hit_is_audited(
    cast, regions, orgs, django_capture_on_commit_callbacks
):
    person, number = _person()
    _ban(cast, regions, number)
    with pytest.raises(PersonBanned), django_capture_on_commit_callbacks(execute=True):
        employment_create(
            actor=cast.institution_admin,
            person=person,
            institution=orgs.institution,
            role="caregiver",
            start_date=dt.date(2026, 3, 1),
        )
    assert not Employment.objects.filter(person=person).exists()
    assert BanCheck.objects.filter(
        id_index=person.id_index, result="hit", purpose=CheckPurpose.HIRING
    ).exists()
    assert Notification.objects.filter(recipient_organisation=orgs.institution).exists()


def test_annulment_unblocks_and_keeps_the_entry(cast, regions):
    person, number = _person()
    entry = _ban(cast, regions, number)
    with pytest.raises(ValidationError):
        ban_annul(actor=cast.regulator, entry=entry, decision_number="", reason="改判")
    ban_annul(
        actor=cast.regulator,
        entry=entry,
        decision_number="（2026）云刑再1号",
        reason="再审改判无罪",
    )
    assert BanEntry.objects.get(pk=entry.pk).status == BanEntry.Status.ANNULLED
    assert ban_gate(id_index=person.id_index, purpose=CheckPurpose.HIRING).is_hit is False


def test_a_term_ban_outside_its_term_does_not_block(cast, regions):
    person, number = _person()
    _ban(
        cast,
        regions,
        number,
        ban_type=BanEntry.BanType.TERM,
        term_start=dt.date(2020, 1, 1),
        term_end=dt.date(2023, 1, 1),
        effective_date=dt.date(2020, 1, 1),
    )
    assert ban_gate(id_index=person.id_index, purpose=CheckPurpose.HIRING).is_hit is False


def test_a_term_ban_needs_start_and_end(cast, regions):
    _, number = _person()
    with pytest.raises(ValidationError):
        _ban(cast, regions, number, ban_type=BanEntry.BanType.TERM)
    assert not BanEntry.objects.exists()


def test_same_name_and_birth_date_is_a_near_match_not_a_block(cast, regions):
    birth = dt.date(1985, 2, 3)
    _, number = _person(new_id_number(birth=birth))
    _ban(cast, regions, number, name="张三")
    other, _ = _person(new_id_number(birth=birth))
    outcome = ban_gate(
        id_index=other.id_index, purpose=CheckPurpose.HIRING, name="张三", birth_date=birth
    )
    assert outcome.check.result == BanCheck.Result.NEAR_MATCH


def _cascade_world(cast, orgs, person):
    person.region = orgs.institution.region
    person.save(update_fields=["region"])
    cert = CertificateFactory(person=person, issue_date=dt.date(2025, 1, 1))
    app = SubsidyApplicationFactory(
        person=person,
        certificate=cert,
        subsidy_type="vocational",
        region=orgs.base.region,
        status=ApplicationStatus.SUBMITTED,
        created_by=cast.worker_user,
    )
    emp = EmploymentFactory(person=person, institution=orgs.institution)
    return cert, app, emp


def test_a_new_ban_revokes_certificates_rejects_applications_and_flags_employments(
    cast, regions, orgs
):
    person, number = _person()
    cert, app, emp = _cascade_world(cast, orgs, person)
    _ban(cast, regions, number)
    cert.refresh_from_db()
    app.refresh_from_db()
    emp.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED
    assert cert.revocation_reason == "禁入处理"
    assert app.status == ApplicationStatus.REJECTED
    assert app.history.filter(to_status=ApplicationStatus.REJECTED).exists()
    assert emp.flagged_for_termination_at is not None
    notice = Notification.objects.get(recipient_organisation=orgs.institution)
    assert notice.title == "该人员不得从事托育服务，请联系卫生健康部门"


def test_a_failure_midway_through_the_cascade_changes_nothing(cast, regions, orgs, monkeypatch):
    person, number = _person()
    cert, app, emp = _cascade_world(cast, orgs, person)

    def boom(**kwargs):
        raise RuntimeError("employment step failed")

    monkeypatch.setattr(ban_register, "_flag_employments", boom)
    with pytest.raises(RuntimeError):
        _ban(cast, regions, number)
    cert.refresh_from_db()
    app.refresh_from_db()
    assert cert.status == Certificate.Status.VALID
    assert app.status == ApplicationStatus.SUBMITTED
    assert not BanEntry.objects.exists()


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(ban_register.IMPORT_COLUMNS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def _row(number, name="李四", reason="虐待", decision="（2026）云01刑初9号", eff="2026-01-01"):
    return [
        name,
        "居民身份证",
        number,
        "终身禁入",
        None,
        None,
        reason,
        "",
        decision,
        "昆明市中级人民法院",
        eff,
        "",
        "",
    ]


def test_import_with_bad_rows_saves_nothing_and_names_each_row(cast, regions):
    good = new_id_number()
    bad_id = good[:-1] + ("0" if good[-1] != "0" else "1")
    f = _xlsx(
        [
            _row(good),
            _row(bad_id),
            _row(new_id_number(), decision=""),
            _row(new_id_number(), reason="偷窃"),
            _row(new_id_number(), eff="明年"),
            _row(good),
        ]
    )
    with pytest.raises(SpreadsheetRefused) as exc:
        ban_import(actor=cast.regulator, fileobj=f, region=regions.kunming, filename="bans.xlsx")
    by_row = {(e.row, e.column) for e in exc.value.errors}
    assert {
        (3, "证件号码"),
        (4, "决定文书号"),
        (5, "事由类别"),
        (6, "生效日期"),
        (7, "证件号码"),
    } <= by_row
    assert (2, "证件号码") not in by_row
    assert not BanEntry.objects.exists()


def test_a_clean_import_saves_every_row(cast, regions):
    f = _xlsx([_row(new_id_number()), _row(new_id_number(), reason="性侵害")])
    created = ban_import(
        actor=cast.regulator, fileobj=f, region=regions.kunming, filename="bans.xlsx"
    )
    assert len(created) == 2
    assert BanEntry.objects.filter(reason_category="sexual_assault").count() == 1


def test_import_refuses_a_non_excel_file(cast, regions):
    with pytest.raises(SpreadsheetRefused):
        ban_import(
            actor=cast.regulator,
            fileobj=io.BytesIO(b"not excel"),
            region=regions.kunming,
            filename="bans.csv",
        )


def test_yearly_recheck_finds_a_person_banned_after_hiring(cast, regions, orgs):
    person, number = _person()
    emp = EmploymentFactory(person=person, institution=orgs.institution)
    EmploymentFactory(institution=orgs.institution)
    # Registered without cascade, as if the ban arrived from elsewhere unnoticed.
    entry = ban_register._build_entry(
        actor=cast.regulator,
        id_type="resident",
        id_number=number,
        name="某某",
        region=regions.kunming,
        ban_type="lifetime",
        reason_category="abuse",
        decision_number="X1",
        authority="法院",
        effective_date=dt.date(2026, 1, 1),
    )
    entry.save()
    active = Employment.objects.filter(end_date__isnull=True).count()
    result = ban_yearly_recheck()
    assert result == {"checked": active, "hits": 1}
    emp.refresh_from_db()
    assert emp.flagged_for_termination_at is not None
    assert BanCheck.objects.filter(purpose=CheckPurpose.YEARLY_RECHECK).count() == active
    # issue 14: the flag is a state change like any other, so it has its audit row (one)
    flags = AuditEvent.objects.filter(action="employment.flag", object_id=str(emp.pk))
    assert [e.data["why"] for e in flags] == ["yearly_recheck"]
    assert ban_yearly_recheck()["checked"] == 0  # idempotent within the year
    assert flags.count() == 1
    assert Notification.objects.filter(recipient_organisation=orgs.institution).count() == 1


def test_ban_check_rows_cannot_be_updated_or_deleted(cast, regions):
    person, _ = _person()
    check = ban_gate(id_index=person.id_index, purpose=CheckPurpose.HIRING).check
    for sql in (
        "UPDATE certification_bancheck SET result='hit' WHERE id=%s",
        "DELETE FROM certification_bancheck WHERE id=%s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [check.pk])


def test_import_bans_command_reports_row_errors_and_saves_nothing(cast, regions, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bans.xlsx"
    path.write_bytes(_xlsx([_row(new_id_number()), _row("123")]).getvalue())
    with pytest.raises(CommandError):
        call_command("import_bans", str(path), region="530100", actor=cast.regulator.email)
    assert not BanEntry.objects.exists()
    path.write_bytes(_xlsx([_row(new_id_number())]).getvalue())
    call_command("import_bans", str(path), region="530100", actor=cast.regulator.email)
    assert BanEntry.objects.count() == 1


def test_a_future_dated_ban_cascades_on_its_day_through_the_daily_task(cast, regions, orgs):
    """Before: a ban registered ahead of its effective date never cascaded."""
    person, number = _person()
    cert, app, emp = _cascade_world(cast, orgs, person)
    with time_machine.travel("2026-03-01 09:00 +0800"):
        _ban(cast, regions, number, effective_date=dt.date(2026, 3, 10))
        cert.refresh_from_db()
        assert cert.status == Certificate.Status.VALID  # not in force yet

    with time_machine.travel("2026-03-09 00:10 +0800"):
        assert cascade_bans_coming_into_force.delay().get()["entries"] == 0
    with time_machine.travel("2026-03-10 00:10 +0800"):
        first = cascade_bans_coming_into_force.delay().get()
        again = cascade_bans_coming_into_force.delay().get()

    cert.refresh_from_db()
    emp.refresh_from_db()
    app.refresh_from_db()
    assert first["entries"] == 1 and first["certificates"] == 1
    assert again["certificates"] == 0 and again["employments"] == 0  # idempotent
    assert cert.status == Certificate.Status.REVOKED
    assert emp.flagged_for_termination_at is not None
    assert app.status == ApplicationStatus.REJECTED


def test_the_daily_cascade_is_on_the_beat_schedule():
    schedule = beat_schedule()["bans-coming-into-force-daily"]
    assert schedule["task"] == "certification.cascade_bans_coming_into_force"


def test_yearly_recheck_also_alerts_the_region_that_registered_the_ban(client, cast, regions, orgs):
    # Banned in Lanzhou, working in Kunming: both regulators hear of it, once each.
    person, number = _person()
    EmploymentFactory(person=person, institution=orgs.institution)
    ban_register._build_entry(
        actor=cast.other_regulator,
        id_type="resident",
        id_number=number,
        name="某某",
        region=regions.lanzhou,
        ban_type="lifetime",
        reason_category="abuse",
        decision_number="X2",
        authority="法院",
        effective_date=dt.date(2026, 1, 1),
    ).save()
    ban_yearly_recheck()
    ban_yearly_recheck()
    alerted = Notification.objects.filter(kind=Notification.Kind.BAN_ALERT)
    assert alerted.filter(recipient_region=orgs.institution.region).count() == 1
    assert alerted.filter(recipient_region=regions.lanzhou).count() == 1
    client.force_login(cast.other_regulator)
    page = client.get(reverse("certification:ban_alerts")).content.decode()
    assert "年度复查发现本地区登记的禁入人员在外地托育机构任职" in page
