"""D-19 skill-level certificates: staff record one by form or import many from .xlsx; an
import is all-or-nothing and names every bad row; other roles are denied."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from certification.models import AuditEvent, BanCheck, Certificate
from certification.services.skill_certificates import (
    IMPORT_COLUMNS,
    skill_certificates_import,
)
from certification.spreadsheets import SpreadsheetRefused
from tests.factories import BanEntryFactory, PersonFactory, new_id_number

ISSUER = "云南省职业技能鉴定中心"


def _xlsx(rows, header=IMPORT_COLUMNS, name="skills.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(
        name,
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _row(person, number, **over):
    values = {
        "姓名": person.name,
        "证件类型": "居民身份证",
        "证件号码": person.reveal_id_number(),
        "职业": "保育师",
        "等级": "三级/高级工",
        "证书编号": number,
        "发证机构": ISSUER,
        "发证日期": dt.date(2026, 3, 1),
    }
    values.update(over)
    return [values[c] for c in IMPORT_COLUMNS]


def _form(person, **over):
    data = {
        "name": person.name,
        "id_type": "resident",
        "id_number": person.reveal_id_number(),
        "occupation": "4-10-01-03",
        "level": "4",
        "external_number": "Y2026000001",
        "issuer_name": ISSUER,
        "issue_date": "2026-03-01",
    }
    data.update(over)
    return data


def _ban(person, region):
    BanEntryFactory(
        person=person, region=region, effective_date=timezone.localdate() - dt.timedelta(days=3)
    )


def test_base_staff_record_one_through_the_form(client, cast):
    client.force_login(cast.base_staff)
    resp = client.post(reverse("certification:skill_certificate_new"), _form(cast.worker))
    assert resp.status_code == 302
    cert = Certificate.objects.get(kind="skill_level")
    assert (cert.person, cert.occupation, cert.level) == (cast.worker, "4-10-01-03", 4)
    assert cert.serial.startswith("SL-") and cert.external_number == "Y2026000001"
    assert AuditEvent.objects.filter(action="certificate.record_skill_level").exists()
    assert BanCheck.objects.filter(purpose="certificate", result="clear").exists()


def test_the_form_names_each_problem_and_saves_nothing(client, cast):
    client.force_login(cast.hr_reviewer)
    bad_id = cast.worker.reveal_id_number()[:-1] + (
        "0" if cast.worker.reveal_id_number()[-1] != "0" else "1"
    )
    resp = client.post(
        reverse("certification:skill_certificate_new"), _form(cast.worker, id_number=bad_id)
    )
    assert resp.status_code == 200
    assert any("证件号码有误" in e for e in resp.context["form"].non_field_errors())
    resp = client.post(
        reverse("certification:skill_certificate_new"), _form(cast.worker, name="张冒名")
    )
    assert "姓名与证件号码不符" in resp.context["form"].non_field_errors()
    assert not Certificate.objects.exists()


def test_a_banned_person_is_refused_and_the_check_is_kept(client, cast, regions):
    _ban(cast.worker, regions.kunming)
    client.force_login(cast.base_staff)
    resp = client.post(reverse("certification:skill_certificate_new"), _form(cast.worker))
    assert any("不得从事托育服务" in e for e in resp.context["form"].non_field_errors())
    assert BanCheck.objects.filter(purpose="certificate", result="hit").exists()
    assert not Certificate.objects.exists()


def test_an_import_records_every_row(client, cast):
    client.force_login(cast.base_staff)
    upload = _xlsx(
        [
            _row(cast.worker, "Y2026000001"),
            _row(cast.director, "Y2026000002", 职业="4-10-01-02", 等级=5, 证件类型=""),
        ]
    )
    resp = client.post(reverse("certification:skill_certificate_import"), {"file": upload})
    assert resp.status_code == 302
    certs = Certificate.objects.filter(kind="skill_level").order_by("external_number")
    assert [(c.person, c.occupation, c.level) for c in certs] == [
        (cast.worker, "4-10-01-03", 3),
        (cast.director, "4-10-01-02", 5),
    ]
    assert AuditEvent.objects.filter(action="certificate.skill_import", data__count=2).exists()


def test_an_import_with_bad_rows_saves_nothing_and_names_each_row(client, cast, regions):
    banned = PersonFactory(name="禁入者", region=regions.wuhua)
    _ban(banned, regions.kunming)
    Certificate.objects.create(
        kind="skill_level",
        serial="SL-2026-999999",
        verification_code="already",
        person=cast.director,
        occupation="4-10-01-03",
        level=4,
        external_number="Y-OLD",
        issuer_name=ISSUER,
        issue_date=dt.date(2025, 1, 1),
    )
    worker_id = cast.worker.reveal_id_number()
    rows = [
        _row(cast.worker, "Y2026000001"),  # row 2: fine
        _row(
            cast.worker,
            "Y2026000002",
            证件号码=worker_id[:-1] + ("0" if worker_id[-1] != "0" else "1"),
        ),  # row 3: checksum
        _row(cast.worker, "Y2026000003", 证件号码=new_id_number()),  # row 4: nobody
        _row(cast.worker, "Y2026000004", 等级="特级"),  # row 5: level
        _row(cast.worker, "Y2026000001"),  # row 6: duplicate of row 2
        _row(cast.director, "Y-OLD"),  # row 7: already recorded
        _row(banned, "Y2026000007"),  # row 8: ban check
    ]
    client.force_login(cast.base_staff)
    resp = client.post(reverse("certification:skill_certificate_import"), {"file": _xlsx(rows)})
    assert resp.status_code == 200
    errors = {e.row: e.message for e in resp.context["errors"]}
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert "证件号码有误" in errors[3]
    assert "没有该证件号码的人员" in errors[4]
    assert "未知的等级" in errors[5]
    assert "与第2行重复" in errors[6]
    assert "已登记" in errors[7]
    assert "不得从事托育服务" in errors[8]
    body = resp.content.decode()
    assert "<td>3</td><td>证件号码</td>" in body and "<td>8</td>" in body
    assert Certificate.objects.filter(kind="skill_level").count() == 1  # only the old one
    assert BanCheck.objects.filter(purpose="certificate", result="hit").exists()


def test_a_file_that_is_not_xlsx_or_lacks_columns_is_refused(cast):
    with pytest.raises(SpreadsheetRefused) as exc:
        skill_certificates_import(
            actor=cast.base_staff, fileobj=SimpleUploadedFile("a.csv", b"x"), filename="a.csv"
        )
    assert ".xlsx" in str(exc.value)
    with pytest.raises(SpreadsheetRefused) as exc:
        skill_certificates_import(
            actor=cast.base_staff, fileobj=_xlsx([], header=["姓名"]), filename="a.xlsx"
        )
    assert exc.value.errors[0].row == 1 and "证件号码" in exc.value.errors[0].message


def test_hr_reviewers_record_only_people_of_their_region(client, cast):
    client.force_login(cast.other_hr_reviewer)
    resp = client.post(
        reverse("certification:skill_certificate_import"),
        {"file": _xlsx([_row(cast.worker, "Y2026000001")])},
    )
    assert "不在您的管辖范围内" in resp.context["errors"][0].message
    client.force_login(cast.hr_reviewer)
    resp = client.post(
        reverse("certification:skill_certificate_import"),
        {"file": _xlsx([_row(cast.worker, "Y2026000001")])},
    )
    assert resp.status_code == 302 and Certificate.objects.filter(kind="skill_level").exists()


def test_other_roles_are_denied(client, cast):
    for user in (
        cast.institution_admin,
        cast.hr_payment,
        cast.worker_user,
        cast.editor,
        cast.outsider,
    ):
        client.force_login(user)
        assert client.get(reverse("certification:skill_certificate_new")).status_code == 403
        resp = client.post(
            reverse("certification:skill_certificate_import"),
            {"file": _xlsx([_row(cast.worker, "Y2026000001")])},
        )
        assert resp.status_code == 403
    assert not Certificate.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied").count() == 10


@pytest.fixture
def async_imports(settings):
    """Every file counts as large, so the import runs through the Celery task."""
    settings.IMPORT_ASYNC_ROWS = 1


def test_a_large_import_runs_as_a_task_with_progress_for_its_requester_only(
    client, cast, async_imports, django_capture_on_commit_callbacks
):
    from certification.models import ImportJob

    client.force_login(cast.base_staff)
    upload = _xlsx([_row(cast.worker, "Y2026000001"), _row(cast.director, "Y2026000002")])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("certification:skill_certificate_import"), {"file": upload})
    job = ImportJob.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == reverse("certification:skill_import_progress", args=[job.pk])
    status = client.get(reverse("certification:skill_import_status", args=[job.pk])).json()
    assert (status["status"], status["issued"], status["percent"]) == ("done", 2, 100)
    assert Certificate.objects.filter(kind="skill_level").count() == 2
    job.refresh_from_db()
    assert not job.upload  # the file with ID numbers is deleted once processed
    page = client.get(reverse("certification:skill_import_progress", args=[job.pk]))
    assert "batch_progress.js" in page.content.decode()
    client.force_login(cast.other_base_staff)
    assert (
        client.get(reverse("certification:skill_import_status", args=[job.pk])).status_code == 404
    )


def test_a_large_import_with_a_bad_row_saves_nothing_and_reports_the_row(
    client, cast, async_imports, django_capture_on_commit_callbacks
):
    client.force_login(cast.hr_reviewer)
    upload = _xlsx(
        [_row(cast.worker, "Y2026000001"), _row(cast.director, "Y2026000002", 职业="厨师")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("certification:skill_certificate_import"), {"file": upload})
    status = client.get(resp["Location"] + "status/").json()
    assert status["status"] == "failed" and status["issued"] == 0
    assert status["refusals"] == [
        {
            "name": "第3行【职业】",
            "reasons": ["未知的职业（应为保育师 4-10-01-03 或育婴员 4-10-01-02）"],
        }
    ]
    assert not Certificate.objects.exists()
