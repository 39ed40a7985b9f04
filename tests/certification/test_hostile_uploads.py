"""Issue 14: every Excel importer (D-22 ban register, D-19 skill-level certificates, class
rosters) goes through certification.spreadsheets, so a hostile upload is refused whole with a
clear message naming the file or the row and column — nothing saved, never a 500 — and a big
one is never parsed in the request but runs in the worker with progress.

Each test runs against the three import pages."""

import datetime as dt
import io
import struct
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from wagtail.models import Page

from certification.models import AuditEvent, BanCheck, BanEntry, Certificate, ImportJob, Person
from certification.services.imports import import_job_process
from certification.services.skill_certificates import IMPORT_COLUMNS as SKILL_COLUMNS
from certification.spreadsheets import spreadsheet_check
from cms.models.pages import CoursePage
from lms.models import ClassEnrolment
from lms.services import offline
from tests.factories import AccreditationFactory, PersonFactory, new_id_number

pytestmark = pytest.mark.django_db

BAN_COLUMNS = ["姓名", "证件类型", "证件号码", "禁入类型", "事由类别", "决定文书号", "生效日期"]
ROSTER_COLUMNS = ["姓名", "证件类型", "证件号码"]


@dataclass
class Importer:
    name: str
    user: object
    url: str
    extra: dict
    header: list
    good_row: object  # () -> list of cells
    saved: object  # () -> int, what the importer has written
    date_column: str | None  # a typed column to put text into

    def post(self, client, upload):
        client.force_login(self.user)
        return client.post(self.url, {"file": upload, **self.extra})


@pytest.fixture
def course(orgs):
    page = CoursePage(
        title="保育实操", slug="hostile-offline", code="OFF-H", audience_roles=["all"]
    )
    Page.get_first_root_node().add_child(instance=page)
    AccreditationFactory(training_base=orgs.base).courses.add(page)
    return page


@pytest.fixture
def class_session(cast, orgs, course):
    start = timezone.now() + dt.timedelta(days=3)
    return offline.class_session_create(
        actor=cast.base_staff,
        training_base=orgs.base,
        course=course,
        title="名单导入班",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        hours=Decimal("3.0"),
        hour_kind="practice",
        capacity=500,
    )


def _skill_row():
    person = PersonFactory()
    return [
        person.name,
        "",
        person.reveal_id_number(),
        "保育师",
        "4",
        f"Y{new_id_number()[-10:]}",
        "云南省职业技能鉴定中心",
        "2026-01-05",
    ]


@pytest.fixture(params=["bans", "skills", "roster"])
def importer(request, cast, regions, class_session):
    if request.param == "bans":
        return Importer(
            "bans",
            cast.regulator,
            reverse("certification:ban_import"),
            {"region": regions.kunming.pk},
            BAN_COLUMNS,
            lambda: [
                "李四",
                "",
                new_id_number(),
                "终身禁入",
                "虐待",
                "（2026）云01刑初9号",
                "2026-01-01",
            ],
            BanEntry.objects.count,
            "生效日期",
        )
    if request.param == "skills":
        return Importer(
            "skills",
            cast.base_staff,
            reverse("certification:skill_certificate_import"),
            {},
            SKILL_COLUMNS,
            _skill_row,
            Certificate.objects.filter(kind="skill_level").count,
            "发证日期",
        )
    return Importer(
        "roster",
        cast.base_staff,
        reverse("lms:class_import", args=[class_session.pk]),
        {},
        ROSTER_COLUMNS,
        lambda: ["陈新", "", new_id_number()],
        lambda: ClassEnrolment.objects.filter(session=class_session).count(),
        None,
    )


def workbook_bytes(header, rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(data: bytes, name="import.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def replace_in_every_part(data: bytes, old: bytes, new: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
    return rewrite_zip(data, replace={n: (lambda xml: xml.replace(old, new)) for n in names})


def rewrite_zip(data: bytes, *, replace=None, add=None) -> bytes:
    """The same archive with some parts replaced (name → bytes or a function of the old bytes)
    and others added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename in replace:
                new = replace[info.filename]
                content = new(content) if callable(new) else new
            dst.writestr(info.filename, content, zipfile.ZIP_DEFLATED)
        for name, content in add.items():
            dst.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def refusal_page(importer, resp):
    """The page answered 200 with the refusal and nothing was saved."""
    assert resp.status_code == 200
    errors = resp.context["errors"]
    assert errors, "the page must name why the file was refused"
    assert importer.saved() == 0
    assert not ImportJob.objects.exists()
    return errors


def _raw_zip(parts: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A zip of already-deflated parts: name → (deflate stream, crc32, inflated size)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, (stream, crc, size) in parts.items():
        offset, encoded = out.tell(), name.encode()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 33, crc, len(stream), size, len(encoded), 0
            )
        )
        out.write(encoded + stream)
        directory.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                33,
                crc,
                len(stream),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        directory.write(encoded)
    start = out.tell()
    out.write(directory.getvalue())
    out.write(
        struct.pack(
            "<4s4H2LH",
            b"PK\x05\x06",
            0,
            0,
            len(parts),
            len(parts),
            len(directory.getvalue()),
            start,
            0,
        )
    )
    return out.getvalue()


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(), zlib.crc32(data), len(data)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """About 1 MB on disk: a workbook whose sheet is one cell of a gigabyte of text. Built in a
    second: a full flush resets the compressor, so every 16 MB block deflates to the same
    bytes and is written once, repeated."""
    prefix = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    suffix = b"</t></is></c></row></sheetData></worksheet>"
    block, repeats = b"x" * (16 * 1024 * 1024), 64
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    body = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    tail = co.compress(suffix) + co.flush()
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    sheet = (head + body * repeats + tail, crc, len(prefix) + len(block) * repeats + len(suffix))
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(ROSTER_COLUMNS, []))) as src:
        parts = {
            n: _deflated(src.read(n)) for n in src.namelist() if n != "xl/worksheets/sheet1.xml"
        }
    return _raw_zip({**parts, "xl/worksheets/sheet1.xml": sheet})


def test_a_zip_bomb_is_refused_without_inflating_it(client, importer, zip_bomb):
    assert len(zip_bomb) < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        resp = importer.post(client, upload(zip_bomb))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    errors = refusal_page(importer, resp)
    assert errors[0].row == 0 and "解压后过大" in errors[0].message
    assert peak < 100 * 1024 * 1024  # the refusal reads the zip directory, not the content


def test_a_lying_dimension_does_not_truncate_the_file(client, importer):
    rows = [importer.good_row() for _ in range(4)] + [importer.good_row()[:1]]  # row 6 is bad
    data = rewrite_zip(
        workbook_bytes(importer.header, rows),
        replace={
            "xl/worksheets/sheet1.xml": lambda xml: xml.replace(
                b"<sheetData>", b'<dimension ref="A1:C2"/><sheetData>', 1
            )
        },
    )
    errors = refusal_page(importer, importer.post(client, upload(data)))
    assert {e.row for e in errors} == {6}  # read past the claimed last row


def test_text_in_a_typed_column_is_a_row_error(client, importer):
    if importer.date_column is None:  # the roster's typed column is the ID number
        bad = importer.good_row()
        bad[2] = 1.10101199001011e17  # a number typed into the ID column
        column = "证件号码"
    else:
        bad = importer.good_row()
        bad[importer.header.index(importer.date_column)] = "去年春天"
        column = importer.date_column
    data = workbook_bytes(importer.header, [importer.good_row(), bad])
    errors = refusal_page(importer, importer.post(client, upload(data)))
    assert [(e.row, e.column) for e in errors] == [(3, column)]


def test_a_nul_byte_in_a_cell_is_not_a_500(client, importer):
    """openpyxl will not write one, so it is put into the XML afterwards; the file is refused
    as unreadable (XML forbids it) rather than crashing the page."""
    row = importer.good_row()
    row[0] = "NULMARK"
    data = replace_in_every_part(workbook_bytes(importer.header, [row]), b"NULMARK", b"\x00")
    errors = refusal_page(importer, importer.post(client, upload(data)))
    assert errors[0].row == 0 and "无法读取" in errors[0].message


@pytest.mark.parametrize(
    "kind, message",
    [
        ("xlsm", "含宏"),
        ("vba", "含宏"),
        ("ole", "旧版 .xls"),
        ("docx", "不是 Excel 工作簿"),
        ("junk", "不是有效的 .xlsx"),
        ("truncated", "不是有效的 .xlsx"),
    ],
)
def test_files_that_are_not_plain_workbooks_are_refused_by_content(client, importer, kind, message):
    plain = workbook_bytes(importer.header, [importer.good_row()])
    data = {
        "xlsm": lambda: rewrite_zip(
            plain,
            replace={
                "[Content_Types].xml": lambda xml: xml.replace(
                    b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
                )
            },
        ),
        "vba": lambda: rewrite_zip(plain, add={"xl/vbaProject.bin": b"\x00" * 512}),
        "ole": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096,
        "docx": lambda: rewrite_zip(
            workbook_bytes(importer.header, []),
            replace={"xl/workbook.xml": b""},
        ).replace(b"xl/workbook.xml", b"wd/document.xml"),
        "junk": lambda: b"\x00\x01" * 1000,
        "truncated": lambda: plain[: len(plain) // 2],
    }[kind]()
    errors = refusal_page(importer, importer.post(client, upload(data, name="名单.xlsx")))
    assert errors[0].row == 0 and message in errors[0].message, errors[0].message


def test_a_big_file_is_queued_not_parsed_and_the_worker_refuses_past_the_row_limit(
    client, importer, settings
):
    """A file over IMPORT_ASYNC_BYTES goes straight to an ImportJob (on_commit does not fire in
    this test, so it stays pending); the worker's first pass stops at IMPORT_MAX_ROWS before any
    row is checked, and the progress page says why."""
    settings.IMPORT_ASYNC_BYTES = 1024
    settings.IMPORT_MAX_ROWS = 300
    data = workbook_bytes(importer.header, [importer.good_row() for _ in range(301)])
    resp = importer.post(client, upload(data))
    job = ImportJob.objects.get()
    assert resp.status_code == 302 and resp["Location"].endswith(f"/{job.pk}/")
    assert job.status == ImportJob.Status.PENDING and job.upload
    checks_before = BanCheck.objects.count()
    job = import_job_process(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and job.saved == 0 and not job.upload
    assert job.errors[0]["row"] == 302 and "超过 300 行" in job.errors[0]["reason"]
    assert importer.saved() == 0
    assert BanCheck.objects.count() == checks_before  # no row was looked at
    status = client.get(reverse("certification:import_job_status", args=[job.pk])).json()
    assert status["status"] == "failed" and "超过 300 行" in status["refusals"][0]["reasons"][0]
    page = client.get(resp["Location"]).content.decode()
    assert "超过 300 行" in page and importer.url in page  # the way back to the import page
    assert AuditEvent.objects.filter(action="import.failed", object_id=str(job.pk)).exists()


def test_a_big_good_file_runs_in_the_worker_and_saves_every_row(
    client, importer, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 2
    rows = [importer.good_row() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        resp = importer.post(client, upload(workbook_bytes(importer.header, rows)))
    job = ImportJob.objects.get()
    assert resp.status_code == 302 and resp["Location"].endswith(f"/{job.pk}/")
    assert (job.status, job.total, job.processed, job.saved) == ("done", 5, 5, 5)
    assert importer.saved() == 5
    assert list(
        AuditEvent.objects.filter(object_id=str(job.pk), action__startswith="import.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["import.running", "import.done"]


def test_a_hundred_thousand_row_roster_is_queued_in_the_request(
    client, cast, class_session, settings
):
    """The real size from the issue: 100 001 data rows is one past IMPORT_MAX_ROWS. The request
    only stores it; the worker counts the rows (streaming) and refuses the file whole."""
    rows = (["陈新", "", f"5301021990051{n:05d}"] for n in range(100_001))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(ROSTER_COLUMNS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(cast.base_staff)
    resp = client.post(
        reverse("lms:class_import", args=[class_session.pk]), {"file": upload(buf.getvalue())}
    )
    job = ImportJob.objects.get()
    assert resp.status_code == 302 and job.status == ImportJob.Status.PENDING
    assert not Person.objects.filter(name="陈新").exists()
    job = import_job_process(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and job.processed == job.total
    assert "超过 100000 行" in job.errors[0]["reason"]
    assert not ClassEnrolment.objects.filter(session=class_session).exists()


def test_the_content_check_reads_only_the_zip_directory():
    """Below the pages: a file over the upload limit and a plain workbook."""
    plain = workbook_bytes(ROSTER_COLUMNS, [["陈新", "", new_id_number()]])
    spreadsheet_check(io.BytesIO(plain), filename="a.xlsx")  # no exception
    big = SimpleUploadedFile("a.xlsx", b"PK\x03\x04" + b"\x00" * 100)
    big.size = 10**9
    with pytest.raises(Exception, match="文件超过"):
        spreadsheet_check(big, filename="a.xlsx")
