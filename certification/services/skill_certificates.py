"""D-19 skill-level certificates (职业技能等级证书): recorded one by one or imported from Excel.

They are issued by external evaluation organisations; CareCert records them for subsidies
(D-26/D-27). Who records them: training-base staff (the bases run or host the evaluations and
receive the lists), HR reviewers (人社 supervises skill evaluation and pays the subsidies) and
regulators, as before. HR reviewers and regulators only for people of their region subtree;
base staff for any registered person (evaluation candidates come from every institution; each
record is audited). Every record passes the ban check (D-23, purpose "certificate issue").

An import validates every row first and writes nothing if any row is bad; the errors name the
row number and the reason. Then all rows are written in one transaction.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import pii
from certification.access import deny, staff_scope
from certification.access.certificates import can_record_skill_certificates
from certification.audit import audit_record
from certification.idnumbers import IdNumberError, IdType, parse_id_number
from certification.models import (
    Certificate,
    CheckPurpose,
    ImportJob,
    Occupation,
    Organisation,
    Person,
    SkillLevel,
)
from certification.models.staff import StaffRole
from certification.services.bans import PersonBanned, ban_gate
from certification.services.certificates import (
    CertificateRefused,
    certificate_record_skill_level,
)
from certification.services.imports import ImportHandler, import_job_queue
from certification.spreadsheets import (
    RowError,
    SpreadsheetRefused,
    cell_date,
    spreadsheet_check,
    spreadsheet_open,
)

IMPORT_COLUMNS = [
    "姓名",
    "证件类型",
    "证件号码",
    "职业",
    "等级",
    "证书编号",
    "发证机构",
    "发证日期",
]
REQUIRED_COLUMNS = ["姓名", "证件号码", "职业", "等级", "证书编号", "发证机构", "发证日期"]


@dataclass
class SkillRecord:
    person: Person
    occupation: str
    level: int
    external_number: str
    issuer_name: str
    issue_date: dt.date


def require_skill_recorder(user, *, request=None):
    """D-19: the user's scope if they may record skill-level certificates; audited 403 else."""
    if not can_record_skill_certificates(user):
        deny(user, action="certificate.skill_level", request=request)
    return staff_scope(user)


def _covers_person(scope, person: Person) -> bool:
    if scope.has(StaffRole.BASE_STAFF):
        return True
    return scope.covers_path(person.region.path, StaffRole.HR_REVIEWER, StaffRole.REGULATOR)


def _actor_role_and_org(scope):

    org_ids = scope.org_ids(StaffRole.BASE_STAFF)
    if org_ids:
        return StaffRole.BASE_STAFF, Organisation.objects.select_related("region").get(
            pk=min(org_ids)
        )
    role = StaffRole.HR_REVIEWER if scope.has(StaffRole.HR_REVIEWER) else StaffRole.REGULATOR
    return role, None


def _choice(value, choices) -> str | int | None:
    """A choice value from its code or its label (or one part of a "三级/高级工" label)."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    for code, label in choices:
        names = {str(code), str(label), *str(label).split("/")}
        if text in names:
            return code
    return None


def _check_fields(
    *,
    scope,
    name,
    id_type,
    id_number,
    occupation,
    level,
    external_number,
    issuer_name,
    issue_date,
    today,
    seen_numbers: dict | None = None,
) -> tuple[SkillRecord | None, list[tuple[str, str]]]:
    """Every (column, reason) one record cannot be saved for (without the ban check), or the
    record."""
    reasons: list[tuple[str, str]] = []
    person = None
    id_type = _choice(id_type, IdType.choices) if id_type else IdType.RESIDENT
    if id_type is None:
        reasons.append(("证件类型", _("未知的证件类型")))
    else:
        try:
            parsed = parse_id_number(id_type, str(id_number or ""))
        except IdNumberError as exc:
            reasons.append(("证件号码", _("证件号码有误：%(reason)s") % {"reason": exc.message}))
        else:
            person = (
                Person.objects.select_related("region")
                .filter(id_type=parsed.id_type, id_index=pii.blind_index(parsed.number))
                .first()
            )
            if person is None:
                reasons.append(("证件号码", _("平台中没有该证件号码的人员")))
            elif str(name or "").strip() != person.name:
                reasons.append(("姓名", _("姓名与证件号码不符")))
                person = None
            elif not _covers_person(scope, person):
                reasons.append(("证件号码", _("该人员不在您的管辖范围内")))
                person = None
    occupation_code = _choice(occupation, Occupation.choices)
    if occupation_code is None:
        reasons.append(("职业", _("未知的职业（应为保育师 4-10-01-03 或育婴员 4-10-01-02）")))
    level_code = _choice(level, SkillLevel.choices)
    if level_code is None:
        try:
            level_code = int(str(level).strip().removesuffix("级"))
        except ValueError:
            level_code = None
        if level_code not in SkillLevel.values:
            level_code = None
            reasons.append(("等级", _("未知的等级（应为 1–5 级）")))
    number = str(external_number or "").strip()
    if not number:
        reasons.append(("证书编号", _("缺少证书编号")))
    elif seen_numbers is not None and number in seen_numbers:
        reasons.append(("证书编号", _("证书编号与第%(row)s行重复") % {"row": seen_numbers[number]}))
    elif Certificate.objects.filter(
        kind=Certificate.Kind.SKILL_LEVEL, external_number=number
    ).exists():
        reasons.append(("证书编号", _("证书编号 %(number)s 已登记") % {"number": number}))
    if not str(issuer_name or "").strip():
        reasons.append(("发证机构", _("缺少发证机构")))
    try:
        day = cell_date(issue_date)
    except ValueError:
        day = None
        reasons.append(("发证日期", _("发证日期格式错误（应为 YYYY-MM-DD）")))
    else:
        if day is None:
            reasons.append(("发证日期", _("缺少发证日期")))
        elif day > today:
            reasons.append(("发证日期", _("发证日期不能晚于今天")))
    if reasons:
        return None, reasons
    return SkillRecord(
        person=person,
        occupation=str(occupation_code),
        level=int(level_code),
        external_number=number,
        issuer_name=str(issuer_name).strip(),
        issue_date=day,
    ), []


def _ban_refusal(*, actor, scope, person: Person) -> str | None:
    """D-23: run the ban check (its audit row is kept); the refusal sentence on a hit."""
    role, organisation = _actor_role_and_org(scope)
    try:
        ban_gate(
            id_index=person.id_index,
            purpose=CheckPurpose.CERTIFICATE,
            actor=actor,
            actor_role=role,
            organisation=organisation,
        )
    except PersonBanned as exc:
        return str(exc) or _("该人员不得从事托育服务，请联系卫生健康部门")
    return None


def skill_certificate_record(
    *,
    actor,
    name: str,
    id_type: str,
    id_number: str,
    occupation: str,
    level,
    external_number: str,
    issuer_name: str,
    issue_date,
) -> Certificate:
    """D-19: record one skill-level certificate for a registered person found by ID number.

    Raises PermissionDenied (audited) for users who may not record them, CertificateRefused
    with every reason (bad ID, unknown person, unknown level, duplicate number, ban hit…)."""
    scope = require_skill_recorder(actor)
    record, reasons = _check_fields(
        scope=scope,
        name=name,
        id_type=id_type,
        id_number=id_number,
        occupation=occupation,
        level=level,
        external_number=external_number,
        issuer_name=issuer_name,
        issue_date=issue_date,
        today=timezone.localdate(),
    )
    if reasons:
        raise CertificateRefused([reason for _column, reason in reasons])
    refusal = _ban_refusal(actor=actor, scope=scope, person=record.person)
    if refusal:
        raise CertificateRefused([refusal])
    return certificate_record_skill_level(actor=actor, **record.__dict__)


def skill_import_validate(
    *, actor, fileobj, filename: str = "", progress=None
) -> list[SkillRecord]:
    """D-19: read and check every row of an .xlsx (ban check included); raise
    SpreadsheetRefused naming each bad row, or return the records to write. `progress(done)` is
    called every 50 rows."""
    scope = require_skill_recorder(actor)
    sheet = spreadsheet_open(fileobj, filename=filename, required_columns=REQUIRED_COLUMNS)
    today = timezone.localdate()
    errors: list[RowError] = []
    records: list[SkillRecord] = []
    seen: dict[str, int] = {}
    for done, row in enumerate(sheet.rows(), start=1):
        if progress and done % 50 == 0:
            progress(done)
        record, reasons = _check_fields(
            scope=scope,
            name=row.text("姓名"),
            id_type=row.text("证件类型"),
            id_number=row.text("证件号码"),
            occupation=row.text("职业"),
            level=row.text("等级"),
            external_number=row.text("证书编号"),
            issuer_name=row.text("发证机构"),
            issue_date=row.raw("发证日期"),
            today=today,
            seen_numbers=seen,
        )
        number = row.text("证书编号")
        if number and number not in seen:
            seen[number] = row.number
        if record is not None:
            refusal = _ban_refusal(actor=actor, scope=scope, person=record.person)
            if refusal:
                reasons = [("证件号码", refusal)]
        errors += [RowError(row.number, column, reason) for column, reason in reasons]
        if not reasons:
            records.append(record)
    if errors:
        raise SpreadsheetRefused(errors)
    if not records:
        raise SpreadsheetRefused([RowError(0, "", _("文件中没有数据行"))])
    return records


@transaction.atomic
def skill_import_save(*, actor, records: list[SkillRecord]) -> list[Certificate]:
    """D-19: write checked records in one transaction (all or nothing) with one summary audit
    row besides each certificate's own."""
    created = [certificate_record_skill_level(actor=actor, **r.__dict__) for r in records]
    audit_record(
        actor=actor,
        action="certificate.skill_import",
        data={"count": len(created), "serials": [c.serial for c in created[:20]]},
    )
    return created


def skill_certificates_import(*, actor, fileobj, filename: str = "") -> list[Certificate]:
    """D-19 import: validate every row (ban checks are audited even when the file is refused),
    then write all rows in one transaction."""
    records = skill_import_validate(actor=actor, fileobj=fileobj, filename=filename)
    return skill_import_save(actor=actor, records=records)


def _job_validate(job, fileobj, progress) -> list[SkillRecord]:
    return skill_import_validate(actor=job.requested_by, fileobj=fileobj, progress=progress)


def _job_save(job, records: list[SkillRecord]) -> int:
    return len(skill_import_save(actor=job.requested_by, records=records))


IMPORT_HANDLER = ImportHandler(
    validate=_job_validate,
    save=_job_save,
    filename="skills.xlsx",
    back_url=lambda job: reverse("certification:skill_certificate_import"),
)


def skill_import_start(*, actor, upload, filename: str = ""):
    """D-19: queue a large import as an ImportJob (certification.services.imports): the file's
    content is checked now, its rows by the task; it is stored privately until then."""
    require_skill_recorder(actor)
    spreadsheet_check(upload, filename=filename)
    return import_job_queue(
        actor=actor,
        kind=ImportJob.Kind.SKILL_CERTIFICATES,
        upload=upload,
        audit_action="certificate.skill_import_queued",
    )
