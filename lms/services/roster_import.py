"""Excel roster import for an offline class: all-or-nothing per file (issue 4, D-10, D-23).

Read through certification.spreadsheets; a large file runs as an ImportJob (kind "roster").
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from certification import pii
from certification.idnumbers import IdType, parse_id_number
from certification.models import CheckPurpose, ImportJob, Person, StaffRole
from certification.services.bans import BLOCKED_MESSAGE, ban_check
from certification.services.imports import ImportHandler, import_job_queue
from certification.services.people import person_find_by_id_number, person_register
from certification.spreadsheets import (
    Row,
    RowError,
    SpreadsheetRefused,
    spreadsheet_check,
    spreadsheet_open,
    xlsx_bytes,
)
from cms.text import join_messages
from lms.models import ClassSession
from lms.services.offline import _enrol_many

COLUMNS = ("姓名", "证件类型", "证件号码")
DEFAULT_ID_TYPE_LABEL = "居民身份证"


@dataclass(frozen=True)
class _NewPerson:
    """A row whose number is not registered yet: registered when the whole file is valid."""

    id_type: str
    number: str
    name: str


def roster_template() -> bytes:
    """The downloadable template workbook with the expected header row."""
    return xlsx_bytes([("名单", COLUMNS, [])])


def _id_type(label: str) -> str | None:
    label = (label or "").strip() or DEFAULT_ID_TYPE_LABEL
    for value, text in IdType.choices:
        if label in (value, str(text)):
            return value
    return None


def _roster_person(row: Row, *, actor, session, seen: dict, enrolled_ids: set):
    """The registered Person or _NewPerson one row enrols, or None with its error recorded."""
    person_name, id_number = row.text("姓名"), row.text("证件号码")
    id_type = _id_type(row.text("证件类型"))
    if id_type is None:
        return row.error("证件类型", _("无法识别的证件类型"))
    try:
        parsed = parse_id_number(id_type, id_number)
    except ValidationError as exc:
        return row.error("证件号码", join_messages(exc.messages))
    except ValueError as exc:
        return row.error("证件号码", str(exc))
    key = (id_type, parsed.number)
    if key in seen:
        return row.error("证件号码", _("与第 %(n)d 行重复") % {"n": seen[key]})
    seen[key] = row.number
    person = person_find_by_id_number(id_type=id_type, id_number=id_number)
    # One answer for "registered elsewhere" and "new" (issue 13): a new number is registered
    # with the row's name once the whole file is valid; only a different name is refused.
    if person is not None and person.name.strip() != person_name:
        return row.error("姓名", _("姓名与证件号码登记信息不一致。"))
    if person is not None and person.pk in enrolled_ids:
        return row.error("证件号码", _("已报名本班次"))
    if person is None and not person_name:
        return row.error("姓名", _("请填写姓名"))
    outcome = ban_check(
        id_index=person.id_index if person else pii.blind_index(parsed.number),
        purpose=CheckPurpose.ENROLMENT,
        actor=actor,
        actor_role=StaffRole.BASE_STAFF,
        organisation=session.training_base,
    )
    if outcome.is_hit:
        return row.error("证件号码", _(BLOCKED_MESSAGE))
    return person or _NewPerson(id_type, parsed.number, person_name)


def roster_validate(*, actor, session: ClassSession, fileobj, filename: str = "", progress=None):
    """Check every row of an .xlsx roster (ban checks included, each audited); raise
    SpreadsheetRefused naming each bad row (row, column, reason), or return whom to enrol.

    Reasons: invalid ID (with the parser's reason), name mismatch with the registry (a new
    number is registered), duplicate row, banned person (no ban details, D-23), already
    enrolled, capacity exceeded. `progress(done)` every 50 rows."""
    sheet = spreadsheet_open(fileobj, filename=filename, required_columns=("姓名", "证件号码"))
    people, errors, seen = [], [], {}
    enrolled_ids = set(session.enrolments.values_list("person_id", flat=True))
    for done, row in enumerate(sheet.rows(), start=1):
        if progress and done % 50 == 0:
            progress(done)
        person = _roster_person(
            row, actor=actor, session=session, seen=seen, enrolled_ids=enrolled_ids
        )
        errors += row.errors
        if person is not None:
            people.append(person)
    if not errors and len(enrolled_ids) + len(people) > session.capacity:
        errors.append(RowError(0, "", _("超出班次容量（%(c)d 人）") % {"c": session.capacity}))
    if not errors and not people:
        errors.append(RowError(0, "", _("文件中没有数据行")))
    if errors:
        raise SpreadsheetRefused(errors)
    return people


@transaction.atomic
def roster_save(*, actor, session: ClassSession, people) -> int:
    """Register the new numbers and enrol everyone in one transaction."""
    registered = [
        p
        if isinstance(p, Person)
        else person_register(
            actor=actor,
            id_type=p.id_type,
            id_number=p.number,
            name=p.name,
            region=session.training_base.region,
        )
        for p in people
    ]
    _enrol_many(actor=actor, session=session, people=registered)
    return len(registered)


def roster_import(*, actor, session: ClassSession, upload) -> int:
    """Validate every row of a roster, then enrol all in one transaction — or nothing
    (SpreadsheetRefused). Returns how many were enrolled."""
    people = roster_validate(
        actor=actor, session=session, fileobj=upload, filename=getattr(upload, "name", "")
    )
    return roster_save(actor=actor, session=session, people=people)


def roster_import_start(*, actor, session: ClassSession, upload) -> ImportJob:
    """A large roster: the content is checked now, the rows by certification.run_import_job."""
    spreadsheet_check(upload, filename=getattr(upload, "name", ""))
    return import_job_queue(
        actor=actor,
        kind=ImportJob.Kind.ROSTER,
        upload=upload,
        region=session.training_base.region,
        audit_action="class.roster_import_queued",
        params={"session": session.pk},
    )


def _job_session(job) -> ClassSession:
    return ClassSession.objects.select_related("training_base__region").get(
        pk=job.params["session"]
    )


def _job_validate(job, fileobj, progress):
    return roster_validate(
        actor=job.requested_by, session=_job_session(job), fileobj=fileobj, progress=progress
    )


def _job_save(job, people) -> int:
    return roster_save(actor=job.requested_by, session=_job_session(job), people=people)


IMPORT_HANDLER = ImportHandler(
    validate=_job_validate,
    save=_job_save,
    filename="roster.xlsx",
    back_url=lambda job: reverse("lms:class_import", args=[job.params["session"]]),
)
