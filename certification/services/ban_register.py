"""Keeping the ban register (D-22, D-25, D-33): create with cascade, annul, import.

Entries are never deleted; annulment is a status change backed by a legal decision.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import pii
from certification.audit import audit_record
from certification.idnumbers import IdNumberError, IdType, mask_id_number, parse_id_number
from certification.models import (
    ApplicationStatus,
    BanEntry,
    Certificate,
    Employment,
    EventType,
    ImportJob,
    Notification,
    Person,
    SubsidyApplication,
)
from certification.selectors.bans import CascadePreview, ban_cascade_preview, bans_in_force
from certification.services.bans import BLOCKED_MESSAGE
from certification.services.certificates import certificate_revoke_for_ban
from certification.services.credit import credit_record_for_ban, credit_records_annul_for_ban
from certification.services.employment_states import employment_flag_banned
from certification.services.imports import ImportHandler, import_job_queue
from certification.services.outbox import outbox_emit
from certification.services.people import employment_create, person_register
from certification.services.subsidies import application_ban_cascade
from certification.spreadsheets import (
    Row,
    RowError,
    SpreadsheetRefused,
    spreadsheet_check,
    spreadsheet_open,
)


@dataclass
class CascadeResult:
    certificates: list[int] = field(default_factory=list)
    applications: list[int] = field(default_factory=list)
    employments: list[int] = field(default_factory=list)


def _validate_fields(
    *, ban_type: str, term_start, term_end, decision_number: str, reason_category: str
) -> None:
    errors = {}
    if not (decision_number or "").strip():
        errors["decision_number"] = _("缺少决定文书号。")
    if reason_category not in BanEntry.Reason.values:
        errors["reason_category"] = _("未知的事由类别。")
    if ban_type == BanEntry.BanType.TERM:
        if term_start is None or term_end is None:
            errors["term_end"] = _("期限禁业须填写起止日期。")
        elif term_end < term_start:
            errors["term_end"] = _("禁业截止日期早于起始日期。")
    elif ban_type != BanEntry.BanType.LIFETIME:
        errors["ban_type"] = _("未知的禁入类型。")
    if errors:
        raise ValidationError(errors)


def _build_entry(
    *,
    actor,
    id_type: str,
    id_number: str,
    name: str,
    region,
    ban_type: str,
    reason_category: str,
    decision_number: str,
    authority: str,
    effective_date: dt.date,
    term_start=None,
    term_end=None,
    reason_detail: str = "",
    institution=None,
    institution_name: str = "",
    involvement: str = BanEntry.Involvement.OFFENDER,
) -> BanEntry:
    try:
        parsed = parse_id_number(id_type, id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    _validate_fields(
        ban_type=ban_type,
        term_start=term_start,
        term_end=term_end,
        decision_number=decision_number,
        reason_category=reason_category,
    )
    return BanEntry(
        id_type=parsed.id_type,
        id_cipher=pii.encrypt(parsed.number),
        id_index=pii.blind_index(parsed.number),
        id_masked=mask_id_number(parsed.number),
        name=name.strip(),
        birth_date=parsed.birth_date,
        ban_type=ban_type,
        term_start=term_start if ban_type == BanEntry.BanType.TERM else None,
        term_end=term_end if ban_type == BanEntry.BanType.TERM else None,
        reason_category=reason_category,
        reason_detail=reason_detail,
        decision_number=decision_number.strip(),
        authority=authority.strip(),
        effective_date=effective_date,
        institution=institution,
        institution_name=institution_name or (institution.name if institution else ""),
        involvement=involvement,
        region=region,
        created_by=actor,
    )


def ban_create_preview(*, actor, **fields) -> tuple[BanEntry, CascadePreview]:
    """The confirmation step before `ban_create`: the same validation (ValidationError naming
    the field), nothing saved, and what the cascade would touch if the ban is in force now."""
    entry = _build_entry(actor=actor, **fields)
    return entry, ban_cascade_preview(id_index=entry.id_index)


@transaction.atomic
def ban_create(*, actor, ip: str | None = None, **fields) -> BanEntry:
    """D-22 register an entry and D-25 cascade in the same transaction: revoke the person's
    valid certificates, reject open subsidy applications, flag active employments, notify the
    region's regulators and affected institutions. Any failure rolls everything back.
    Raises ValidationError for invalid fields."""
    entry = _build_entry(actor=actor, **fields)
    entry.save()
    audit_record(
        actor=actor,
        action="ban.create",
        obj=entry,
        ip=ip,
        region_path=entry.region.path,
        data={"id_index": entry.id_index, "ban_type": entry.ban_type},
    )
    outbox_emit(EventType.BAN_REGISTERED, entry)  # D-40, same transaction
    credit_record_for_ban(actor=actor, entry=entry, ip=ip)  # D-38, same transaction
    ban_cascade(actor=actor, entry=entry, ip=ip)
    return entry


def _entry_in_force(entry: BanEntry) -> bool:

    return bans_in_force().filter(pk=entry.pk).exists()


@transaction.atomic
def ban_cascade(*, actor, entry: BanEntry, ip: str | None = None) -> CascadeResult:
    """D-25: apply a ban in force to the matching person (Person.id_index == entry.id_index).
    Idempotent: already revoked/rejected/flagged rows are left alone."""
    result = CascadeResult()
    if not _entry_in_force(entry):
        return result
    persons = list(Person.objects.select_for_update().filter(id_index=entry.id_index))
    now = timezone.now()
    institutions = {}
    for person in persons:
        result.certificates += _revoke_certificates(
            actor=actor, entry=entry, person=person, now=now, ip=ip
        )
        result.applications += _reject_applications(actor=actor, entry=entry, person=person, ip=ip)
        for employment in _flag_employments(actor=actor, person=person, now=now, ip=ip):
            result.employments.append(employment.pk)
            institutions[employment.institution_id] = employment.institution
    _notify(entry=entry, institutions=institutions.values(), persons=persons)
    return result


def _revoke_certificates(*, actor, entry, person, now, ip) -> list[int]:
    done = []
    for cert in Certificate.objects.select_for_update().filter(
        person=person, status=Certificate.Status.VALID
    ):
        certificate_revoke_for_ban(actor=actor, certificate=cert, entry=entry)
        done.append(cert.pk)
    return done


def _reject_applications(*, actor, entry, person, ip) -> list[int]:
    """Every application of the person through the subsidy state machine
    (application_ban_cascade): rejected/withdrawn, taken out of an unpaid batch, or — when
    already paid — flagged for recovery. Closed ones are left alone (idempotent)."""
    done = []
    reason = str(entry.get_ban_type_display())
    apps = (
        SubsidyApplication.objects.filter(person=person)
        .exclude(status__in=(ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN))
        .order_by("id")
    )
    for app in apps.select_related("region"):
        if application_ban_cascade(
            actor=actor if getattr(actor, "pk", None) else None,
            application=app,
            reason=reason,
            ip=ip,
        ):
            done.append(app.pk)
    return done


def _flag_employments(*, actor, person, now, ip) -> list[Employment]:
    done = []
    for emp in Employment.objects.select_related("institution__region").filter(
        person=person, end_date__isnull=True, flagged_for_termination_at__isnull=True
    ):
        if employment_flag_banned(
            actor=actor, employment_id=emp.pk, reason=_(BLOCKED_MESSAGE), why="ban", ip=ip
        ):
            done.append(emp)
    return done


def _notify(*, entry: BanEntry, institutions, persons) -> None:
    Notification.objects.get_or_create(
        dedupe_key=f"ban-entry:{entry.pk}:regulator",
        defaults={
            "kind": Notification.Kind.BAN_ALERT,
            "recipient_region": entry.region,
            "title": _("新增禁入登记：%(name)s（%(masked)s）")
            % {"name": entry.name, "masked": entry.id_masked},
            "link": f"/bans/{entry.pk}/",
        },
    )
    for inst in institutions:
        # The institution learns only that the person is barred (D-23), never why.
        Notification.objects.get_or_create(
            dedupe_key=f"ban-entry:{entry.pk}:org:{inst.pk}",
            defaults={
                "kind": Notification.Kind.BAN_ALERT,
                "recipient_organisation": inst,
                "title": _(BLOCKED_MESSAGE),
            },
        )
        Notification.objects.get_or_create(
            dedupe_key=f"ban-entry:{entry.pk}:region:{inst.region_id}",
            defaults={
                "kind": Notification.Kind.BAN_ALERT,
                "recipient_region": inst.region,
                "title": _("辖区机构在职人员被列入禁入名单"),
                "link": f"/bans/{entry.pk}/",
            },
        )


@transaction.atomic
def ban_annul(
    *, actor, entry: BanEntry, decision_number: str, reason: str, ip: str | None = None
) -> BanEntry:
    """D-22: annul an entry only with a recorded legal decision. A status change, audited;
    the row is kept. Raises ValidationError if the decision is missing or already annulled."""
    if not (decision_number or "").strip() or not (reason or "").strip():
        raise ValidationError(_("撤销须登记法律文书号和撤销原因。"))
    updated = BanEntry.objects.filter(pk=entry.pk, status=BanEntry.Status.ACTIVE).update(
        status=BanEntry.Status.ANNULLED,
        annulment_decision_number=decision_number.strip(),
        annulment_reason=reason.strip(),
        annulled_at=timezone.now(),
        annulled_by=actor if getattr(actor, "pk", None) else None,
    )
    if updated != 1:
        raise ValidationError(_("该登记已撤销。"))
    entry.refresh_from_db()
    audit_record(
        actor=actor,
        action="ban.annul",
        obj=entry,
        ip=ip,
        region_path=entry.region.path,
        data={"decision_number": entry.annulment_decision_number},
    )
    credit_records_annul_for_ban(actor=actor, entry=entry, ip=ip)
    return entry


# --- Excel import -------------------------------------------------------------------------
IMPORT_COLUMNS = [
    "姓名",
    "证件类型",
    "证件号码",
    "禁入类型",
    "禁业起始",
    "禁业截止",
    "事由类别",
    "事由说明",
    "决定文书号",
    "决定机关",
    "生效日期",
    "相关机构",
    "涉事身份",
]
REQUIRED_COLUMNS = ["姓名", "证件号码", "事由类别", "决定文书号", "生效日期"]


def _choice(value, choices, default):
    text = str(value or "").strip()
    if not text:
        return default
    for v, label in choices:
        if text in (v, str(label)):
            return v
    return None


def ban_import(*, actor, fileobj, region, ip: str | None = None, filename: str = "") -> list:
    """D-22 bulk import from .xlsx: all-or-nothing. Raises SpreadsheetRefused naming every bad
    row (row number, column, reason); saves nothing then."""
    entries_fields = ban_import_validate(fileobj=fileobj, region=region, filename=filename)
    return _import_save(actor=actor, entries_fields=entries_fields, ip=ip, region=region)


def _entry_fields(row: Row, *, region, seen: dict[str, int]) -> dict | None:
    """The fields of one entry, or None with the row's errors recorded on it."""
    id_type = _choice(row.raw("证件类型"), IdType.choices, IdType.RESIDENT)
    number = row.text("证件号码")
    if id_type is None:
        row.error("证件类型", _("未知的证件类型"))
    else:
        try:
            parsed = parse_id_number(id_type, number)
        except IdNumberError as exc:
            row.error("证件号码", str(exc.message))
        else:
            key = pii.blind_index(parsed.number)
            if key in seen:
                row.error("证件号码", _("与第%(r)s行重复") % {"r": seen[key]})
            else:
                seen[key] = row.number
    name = row.text("姓名")
    if not name:
        row.error("姓名", _("缺少姓名"))
    ban_type = _choice(row.raw("禁入类型"), BanEntry.BanType.choices, BanEntry.BanType.LIFETIME)
    if ban_type is None:
        row.error("禁入类型", _("未知的禁入类型"))
    reason = _choice(row.raw("事由类别"), BanEntry.Reason.choices, None)
    if reason is None:
        row.error("事由类别", _("未知的事由类别"))
    involvement = _choice(
        row.raw("涉事身份"), BanEntry.Involvement.choices, BanEntry.Involvement.OFFENDER
    )
    if involvement is None:
        row.error("涉事身份", _("未知的涉事身份"))
    decision_number = row.text("决定文书号")
    if not decision_number:
        row.error("决定文书号", _("缺少决定文书号"))
    before = len(row.errors)
    term_start, term_end = row.date("禁业起始"), row.date("禁业截止")
    dates_readable = len(row.errors) == before
    effective = row.date("生效日期")
    if effective is None and not any(e.column == "生效日期" for e in row.errors):
        row.error("生效日期", _("缺少生效日期"))
    if ban_type == BanEntry.BanType.TERM and dates_readable:
        if term_start is None or term_end is None:
            row.error("禁业截止", _("期限禁业须填写起止日期"))
        elif term_end < term_start:
            row.error("禁业截止", _("截止日期早于起始日期"))
    if row.errors:
        return None
    return {
        "id_type": id_type,
        "id_number": number,
        "name": name,
        "region": region,
        "ban_type": ban_type,
        "reason_category": reason,
        "decision_number": decision_number,
        "authority": row.text("决定机关"),
        "effective_date": effective,
        "term_start": term_start,
        "term_end": term_end,
        "reason_detail": row.text("事由说明"),
        "institution_name": row.text("相关机构"),
        "involvement": involvement,
    }


def ban_import_validate(*, fileobj, region, filename: str = "", progress=None) -> list[dict]:
    """Read and check every row of a D-22 import; raise SpreadsheetRefused naming each bad row,
    or return the fields of the entries to create. `progress(done)` every 50 rows."""
    sheet = spreadsheet_open(fileobj, filename=filename, required_columns=REQUIRED_COLUMNS)
    errors: list[RowError] = []
    entries_fields = []
    seen: dict[str, int] = {}
    for done, row in enumerate(sheet.rows(), start=1):
        if progress and done % 50 == 0:
            progress(done)
        fields = _entry_fields(row, region=region, seen=seen)
        errors += row.errors
        if fields is not None:
            entries_fields.append(fields)
    if errors:
        raise SpreadsheetRefused(errors)
    if not entries_fields:
        raise SpreadsheetRefused([RowError(0, "", _("文件中没有数据行"))])
    return entries_fields


@transaction.atomic
def _import_save(*, actor, entries_fields, ip, region) -> list:
    created = [ban_create(actor=actor, ip=ip, **f) for f in entries_fields]
    audit_record(
        actor=actor,
        action="ban.import",
        ip=ip,
        region_path=region.path,
        data={"count": len(created)},
    )
    return created


def ban_import_start(*, actor, upload, region, ip: str | None = None, filename: str = ""):
    """D-22: queue a large import as an ImportJob (certification.services.imports): the file's
    content is checked now, its rows by the task; the file is stored privately until then. The
    caller has checked that the actor is a regulator covering `region`."""
    spreadsheet_check(upload, filename=filename)
    return import_job_queue(
        actor=actor,
        kind=ImportJob.Kind.BANS,
        upload=upload,
        region=region,
        ip=ip,
        audit_action="ban.import_queued",
    )


def _job_validate(job, fileobj, progress) -> list[dict]:
    return ban_import_validate(fileobj=fileobj, region=job.region, progress=progress)


def _job_save(job, entries_fields: list[dict]) -> int:
    return len(
        _import_save(
            actor=job.requested_by, entries_fields=entries_fields, ip=job.ip, region=job.region
        )
    )


IMPORT_HANDLER = ImportHandler(
    validate=_job_validate,
    save=_job_save,
    filename="bans.xlsx",
    back_url=lambda job: reverse("certification:ban_import"),
)


def hiring_employ(
    *,
    actor,
    institution,
    id_type: str,
    id_number: str,
    name: str,
    role: str,
    start_date: dt.date,
    has_labour_contract: bool = True,
    ui_contribution_months: int = 0,
    ip: str | None = None,
):
    """After a clear hiring check: find or register the person, then `employment_create`
    (which runs the hiring ban gate again). Raises ValidationError or PersonBanned."""
    person = person_register(
        actor=actor, id_type=id_type, id_number=id_number, name=name, region=institution.region
    )
    return employment_create(
        actor=actor,
        person=person,
        institution=institution,
        role=role,
        start_date=start_date,
        has_labour_contract=has_labour_contract,
        ui_contribution_months=ui_contribution_months,
        ip=ip,
    )


def bans_coming_into_force(*, actor=None, today: dt.date | None = None) -> dict:
    """D-25 for entries registered ahead of their effective date: cascade them on the day they
    come into force (daily beat). Looks back a week so a missed day is caught up; the cascade
    is idempotent, so running it twice changes nothing."""

    today = today or timezone.localdate()
    entries = bans_in_force(on=today).filter(
        effective_date__gte=today - dt.timedelta(days=7),
        effective_date__gt=F("created_at__date"),
    )
    totals = {"entries": 0, "certificates": 0, "applications": 0, "employments": 0}
    for entry in entries:
        result = ban_cascade(actor=actor, entry=entry)
        totals["entries"] += 1
        totals["certificates"] += len(result.certificates)
        totals["applications"] += len(result.applications)
        totals["employments"] += len(result.employments)
    return totals
