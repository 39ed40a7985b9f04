"""An institution's staff roster (花名册) from .xlsx (issue 15; D-5 employment, D-23 the hiring
ban check): one row per employee; people are registered or linked (the name must match the
registered one), every row passes the hiring ban check (each check audited), and the file is
taken whole or not at all. Read through certification.spreadsheets; a large file runs as an
ImportJob (kind "staff_roster") with progress."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import pii
from certification.idnumbers import IdType, parse_id_number
from certification.models import CheckPurpose, ImportJob, Organisation, StaffRole
from certification.services.ban_register import hiring_employ
from certification.services.bans import BLOCKED_MESSAGE, ban_check
from certification.services.imports import ImportHandler, import_job_queue
from certification.services.people import person_find_by_id_number
from certification.spreadsheets import (
    Row,
    RowError,
    SpreadsheetRefused,
    spreadsheet_check,
    spreadsheet_open,
    xlsx_bytes,
)
from cms.choices import WorkerRole
from cms.text import join_messages

COLUMNS = ("姓名", "证件类型", "证件号码", "岗位", "入职日期", "劳动合同", "失业保险缴费月数")
REQUIRED = ("姓名", "证件号码", "岗位", "入职日期")
DEFAULT_ID_TYPE_LABEL = "居民身份证"
YES, NO = ("是", "有", "已签", "y", "yes", "1"), ("否", "无", "未签", "n", "no", "0")
MAX_MONTHS = 600


@dataclass(frozen=True)
class StaffRow:
    id_type: str
    id_number: str
    name: str
    role: str
    start_date: date
    has_labour_contract: bool
    ui_contribution_months: int


def staff_roster_template() -> bytes:
    """The downloadable template: the header row and one example row to overwrite."""
    example = ("张三", DEFAULT_ID_TYPE_LABEL, "", str(WorkerRole.CAREGIVER.label), "2026-01-05")
    return xlsx_bytes([("花名册", COLUMNS, [(*example, "是", 12)])])


def _choice(label: str, choices, default: str | None = None) -> str | None:
    label = (label or "").strip()
    if not label:
        return default
    for value, text in choices:
        if label in (value, str(text)):
            return value
    return None


def _staff_row(row: Row, *, actor, institution, seen: dict) -> StaffRow | None:
    name, number = row.text("姓名"), row.text("证件号码")
    id_type = _choice(row.text("证件类型"), IdType.choices, default=IdType.RESIDENT)
    role = _choice(row.text("岗位"), WorkerRole.choices)
    start = row.date("入职日期")
    if not name:
        row.error("姓名", _("请填写姓名"))
    if id_type is None:
        row.error("证件类型", _("无法识别的证件类型"))
    if role is None:
        row.error(
            "岗位",
            _("无法识别的岗位，应为：%(roles)s")
            % {"roles": "、".join(str(label) for _v, label in WorkerRole.choices)},
        )
    if start is None and not any(e.column == "入职日期" for e in row.errors):
        row.error("入职日期", _("请填写入职日期"))
    elif start is not None and start > timezone.localdate():
        row.error("入职日期", _("入职日期不能晚于今天"))
    contract_text = row.text("劳动合同").lower()
    contract = True if not contract_text or contract_text in YES else None
    if contract_text in NO:
        contract = False
    if contract is None:
        row.error("劳动合同", _("请填写“是”或“否”"))
    months_text = row.text("失业保险缴费月数") or "0"
    months = int(months_text) if months_text.isdigit() else None
    if months is None or months > MAX_MONTHS:
        row.error("失业保险缴费月数", _("应为 0 到 %(max)d 的整数") % {"max": MAX_MONTHS})
    if id_type is None:
        return None
    try:
        parsed = parse_id_number(id_type, number)
    except ValidationError as exc:
        return row.error("证件号码", join_messages(exc.messages))
    except ValueError as exc:
        return row.error("证件号码", str(exc))
    key = (id_type, parsed.number)
    if key in seen:
        return row.error("证件号码", _("与第 %(n)d 行重复") % {"n": seen[key]})
    seen[key] = row.number
    person = person_find_by_id_number(id_type=id_type, id_number=number)
    # One answer for "registered elsewhere" and "new" (issue 13): only a different name is
    # refused, without saying whose number it is.
    if person is not None and person.name.strip() != name:
        return row.error("姓名", _("姓名与证件号码登记信息不一致。"))
    outcome = ban_check(
        id_index=person.id_index if person else pii.blind_index(parsed.number),
        purpose=CheckPurpose.HIRING,
        actor=actor,
        actor_role=StaffRole.INSTITUTION_ADMIN,
        organisation=institution,
        name=name,
        birth_date=parsed.birth_date,
    )
    if outcome.is_hit:
        return row.error("证件号码", _(BLOCKED_MESSAGE))
    if row.errors:
        return None
    return StaffRow(id_type, parsed.number, name, role, start, contract, months)


def staff_roster_validate(*, actor, institution: Organisation, fileobj, filename="", progress=None):
    """Check every row (a hiring ban check per person, each audited); raise SpreadsheetRefused
    naming each bad row (row, column, reason), or return the rows to employ. `progress(done)`
    every 50 rows."""
    sheet = spreadsheet_open(fileobj, filename=filename, required_columns=REQUIRED)
    records, errors, seen = [], [], {}
    for done, row in enumerate(sheet.rows(), start=1):
        if progress and done % 50 == 0:
            progress(done)
        record = _staff_row(row, actor=actor, institution=institution, seen=seen)
        errors += row.errors
        if record is not None:
            records.append(record)
    if not errors and not records:
        errors.append(RowError(0, "", _("文件中没有数据行")))
    if errors:
        raise SpreadsheetRefused(errors)
    return records


@transaction.atomic
def staff_roster_save(*, actor, institution: Organisation, records) -> int:
    """Register or link each person and employ them, in one transaction (employment_create
    checks the ban register once more at the moment of writing). An employee already employed
    in the same role is left as is (a re-uploaded roster changes nothing)."""
    for record in records:
        hiring_employ(
            actor=actor,
            institution=institution,
            id_type=record.id_type,
            id_number=record.id_number,
            name=record.name,
            role=record.role,
            start_date=record.start_date,
            has_labour_contract=record.has_labour_contract,
            ui_contribution_months=record.ui_contribution_months,
        )
    return len(records)


def staff_roster_import(*, actor, institution: Organisation, upload) -> int:
    """Validate every row, then employ all in one transaction — or nothing (SpreadsheetRefused).
    The caller has checked that `actor` administers `institution`."""
    records = staff_roster_validate(
        actor=actor, institution=institution, fileobj=upload, filename=getattr(upload, "name", "")
    )
    return staff_roster_save(actor=actor, institution=institution, records=records)


def staff_roster_import_start(*, actor, institution: Organisation, upload) -> ImportJob:
    """A large roster: the content is checked now, the rows by certification.run_import_job."""
    spreadsheet_check(upload, filename=getattr(upload, "name", ""))
    return import_job_queue(
        actor=actor,
        kind=ImportJob.Kind.STAFF_ROSTER,
        upload=upload,
        region=institution.region,
        audit_action="employment.roster_import_queued",
        params={"institution": institution.pk},
    )


def _job_institution(job) -> Organisation:
    return Organisation.objects.select_related("region").get(pk=job.params["institution"])


def _job_validate(job, fileobj, progress):
    return staff_roster_validate(
        actor=job.requested_by,
        institution=_job_institution(job),
        fileobj=fileobj,
        progress=progress,
    )


def _job_save(job, records) -> int:
    return staff_roster_save(
        actor=job.requested_by, institution=_job_institution(job), records=records
    )


IMPORT_HANDLER = ImportHandler(
    validate=_job_validate,
    save=_job_save,
    filename="staff-roster.xlsx",
    back_url=lambda job: reverse(
        "certification:staff_roster_import", args=[job.params["institution"]]
    ),
)
