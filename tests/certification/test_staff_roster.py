"""An institution's staff roster (花名册, issue 15; D-5, D-23): uploaded by its administrator,
every row ban-checked and audited, all or nothing, row and column named."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from certification.models import AuditEvent, BanCheck, Employment, ImportJob, Person
from certification.services.staff_roster import COLUMNS
from tests.factories import BanEntryFactory, PersonFactory, new_id_number

pytestmark = pytest.mark.django_db


def _xlsx(rows, header=COLUMNS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("花名册.xlsx", out.getvalue())


def _row(name, number, role="保育人员", start="2026-03-01", contract="是", months=6):
    return (name, "居民身份证", number, role, start, contract, months)


def _roster(n):
    return [_row(f"员工{i:02d}", new_id_number()) for i in range(n)]


def _upload(client, institution, upload):
    url = reverse("certification:staff_roster_import", args=[institution.pk])
    return client.post(url, {"file": upload})


def test_a_roster_with_one_banned_person_is_refused_whole_and_the_hit_audited(
    client, cast, orgs, regions
):
    banned_number = new_id_number()
    banned = PersonFactory(name="禁入者", region=regions.kunming, id_number=banned_number)
    BanEntryFactory(person=banned, region=regions.kunming)
    rows = _roster(49)
    rows.insert(20, _row("禁入者", banned_number))
    people_before = Person.objects.count()
    client.force_login(cast.institution_admin)

    resp = _upload(client, orgs.institution, _xlsx(rows))

    assert resp.status_code == 200
    errors = resp.context["errors"]
    assert [(e.row, e.column) for e in errors] == [(22, "证件号码")]  # header is row 1
    assert (
        "不得从事托育服务" in errors[0].message
        and "禁入者" not in resp.content.decode().split("<main")[-1]
    )
    assert Person.objects.count() == people_before  # nothing half-saved
    assert not Employment.objects.filter(person__name__startswith="员工").exists()
    hit = BanCheck.objects.get(result=BanCheck.Result.HIT, organisation=orgs.institution)
    assert hit.purpose == "hiring" and hit.actor == cast.institution_admin
    assert BanCheck.objects.filter(organisation=orgs.institution).count() == 50

    # Without the banned row the same file is taken whole: 49 employed, each audited.
    del rows[20]
    resp = _upload(client, orgs.institution, _xlsx(rows))
    assert resp.status_code == 302
    hired = Employment.objects.filter(institution=orgs.institution, person__name__startswith="员工")
    assert hired.count() == 49
    first = hired.select_related("person").get(person__name="员工00")
    assert (first.role, first.start_date, first.ui_contribution_months) == (
        "caregiver",
        dt.date(2026, 3, 1),
        6,
    )
    assert first.person.region == orgs.institution.region
    assert AuditEvent.objects.filter(action="employment.create").count() >= 49
    # Re-uploading the same roster employs nobody twice.
    _upload(client, orgs.institution, _xlsx(rows))
    assert hired.count() == 49


def test_every_bad_cell_is_named_by_row_and_column(client, cast, orgs):
    known_number = new_id_number()
    PersonFactory(name="李四", id_number=known_number)
    rows = [
        _row("王五", "110101199003071235"),  # bad check digit
        _row("张冠李戴", known_number),  # registered under another name
        _row("赵六", new_id_number(), role="厨师"),
        _row("钱七", new_id_number(), start="2099-01-01"),
        _row("孙八", new_id_number(), months="很多"),
        _row("周九", new_id_number(), contract="也许"),
    ]
    dup = new_id_number()
    rows += [_row("吴十", dup), _row("吴十", dup)]
    client.force_login(cast.institution_admin)

    resp = _upload(client, orgs.institution, _xlsx(rows))

    found = {(e.row, e.column) for e in resp.context["errors"]}
    assert found == {
        (2, "证件号码"),
        (3, "姓名"),
        (4, "岗位"),
        (5, "入职日期"),
        (6, "失业保险缴费月数"),
        (7, "劳动合同"),
        (9, "证件号码"),
    }
    body = resp.content.decode()
    assert "与第 8 行重复" in body and "姓名与证件号码登记信息不一致" in body
    assert not Employment.objects.filter(institution=orgs.institution, person__name="吴十").exists()


def test_another_institutions_admin_gets_404_and_an_audited_refusal(client, cast, orgs):
    client.force_login(cast.other_institution_admin)
    resp = _upload(client, orgs.institution, _xlsx(_roster(1)))
    assert resp.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor=cast.other_institution_admin
    ).exists()
    assert not Employment.objects.filter(person__name="员工00").exists()


def test_the_template_downloads_and_filled_in_imports(client, cast, orgs):
    client.force_login(cast.institution_admin)
    resp = client.get(reverse("certification:staff_roster_template"))
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.content))
    header = [c.value for c in book.active[1]]
    assert tuple(header) == COLUMNS
    book.active["C2"] = new_id_number()
    out = io.BytesIO()
    book.save(out)
    resp = _upload(client, orgs.institution, SimpleUploadedFile("t.xlsx", out.getvalue()))
    assert resp.status_code == 302
    assert Employment.objects.filter(institution=orgs.institution, person__name="张三").exists()
    page = client.get(resp["Location"]).content.decode()
    assert "已导入 1 名员工" in page


def test_a_large_roster_runs_in_the_worker_with_progress(
    client, cast, orgs, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 10
    client.force_login(cast.institution_admin)
    with django_capture_on_commit_callbacks(execute=True):
        resp = _upload(client, orgs.institution, _xlsx(_roster(30)))
    job = ImportJob.objects.get(kind=ImportJob.Kind.STAFF_ROSTER)
    assert resp.status_code == 302
    assert resp["Location"] == reverse("certification:import_job_progress", args=[job.pk])
    # CELERY_TASK_ALWAYS_EAGER in tests: the job ran once the request committed.
    job.refresh_from_db()
    assert (job.status, job.saved) == (ImportJob.Status.DONE, 30)
    assert Employment.objects.filter(person__name__startswith="员工").count() == 30
