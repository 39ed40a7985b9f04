"""Excel roster import for an offline class: all-or-nothing per file (issue 4, D-10, D-23)."""

from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from certification import pii
from certification.idnumbers import IdType, parse_id_number
from certification.models import CheckPurpose, Person, StaffRole
from certification.services.bans import BLOCKED_MESSAGE, ban_check
from certification.services.people import person_find_by_id_number, person_register
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


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RosterResult:
    errors: list[RowError] = field(default_factory=list)
    enrolled: int = 0


def roster_template() -> bytes:
    """The downloadable template workbook with the expected header row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(list(COLUMNS))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _id_type(label: str) -> str | None:
    label = (label or "").strip() or DEFAULT_ID_TYPE_LABEL
    for value, text in IdType.choices:
        if label in (value, str(text)):
            return value
    return None


def roster_import(*, actor, session: ClassSession, upload) -> RosterResult:
    """Validate every row of an .xlsx roster, then enrol all in one transaction — or nothing.

    Errors name the row number and column: invalid ID (with the parser's reason), name
    mismatch with the registry (a new number is registered), duplicate row, banned person (no ban details,
    D-23), already enrolled, capacity exceeded. Upload checks: size, extension, readable.
    """
    result = RosterResult()
    name = getattr(upload, "name", "") or ""
    if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件过大。"))
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(_("请上传 .xlsx 格式的 Excel 文件。"))
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any parse failure means "not a workbook"
        raise ValidationError(_("无法读取该文件，请使用模板填写。")) from None
    rows = list(wb.active.iter_rows(values_only=True))
    if not rows:
        raise ValidationError(_("文件为空。"))
    header = [str(c or "").strip() for c in rows[0]]
    if "姓名" not in header or "证件号码" not in header:
        raise ValidationError(_("表头须包含“姓名”和“证件号码”。"))
    col = {h: header.index(h) for h in COLUMNS if h in header}

    def cell(r, h):
        i = col.get(h)
        return str(r[i]).strip() if i is not None and i < len(r) and r[i] is not None else ""

    people, seen = [], {}
    enrolled_ids = set(session.enrolments.values_list("person_id", flat=True))
    for number, r in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in r):
            continue
        person_name, id_label, id_number = cell(r, "姓名"), cell(r, "证件类型"), cell(r, "证件号码")
        err = lambda column, msg, n=number: result.errors.append(RowError(n, column, msg))  # noqa: E731
        id_type = _id_type(id_label)
        if id_type is None:
            err("证件类型", _("无法识别的证件类型"))
            continue
        try:
            parsed = parse_id_number(id_type, id_number)
        except ValidationError as exc:
            err("证件号码", join_messages(exc.messages))
            continue
        except ValueError as exc:
            err("证件号码", str(exc))
            continue
        key = (id_type, parsed.number)
        if key in seen:
            err("证件号码", _("与第 %(n)d 行重复") % {"n": seen[key]})
            continue
        seen[key] = number
        person = person_find_by_id_number(id_type=id_type, id_number=id_number)
        # One answer for "registered elsewhere" and "new" (issue 13): a new number is registered
        # with the row's name once the whole file is valid; only a different name is refused.
        if person is not None and person.name.strip() != person_name:
            err("姓名", _("姓名与证件号码登记信息不一致。"))
            continue
        if person is not None and person.pk in enrolled_ids:
            err("证件号码", _("已报名本班次"))
            continue
        if person is None and not person_name:
            err("姓名", _("请填写姓名"))
            continue
        outcome = ban_check(
            id_index=person.id_index if person else pii.blind_index(parsed.number),
            purpose=CheckPurpose.ENROLMENT,
            actor=actor,
            actor_role=StaffRole.BASE_STAFF,
            organisation=session.training_base,
        )
        if outcome.is_hit:
            err("证件号码", _(BLOCKED_MESSAGE))
            continue
        people.append(person or _NewPerson(id_type, parsed.number, person_name))
    if not result.errors and session.enrolments.count() + len(people) > session.capacity:
        result.errors.append(
            RowError(len(rows), "", _("超出班次容量（%(c)d 人）") % {"c": session.capacity})
        )
    if result.errors or not people:
        return result
    with transaction.atomic():
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
    result.enrolled = len(registered)
    return result
