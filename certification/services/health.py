"""Yearly health care (D-36): an institution records its employees' health checks and
health-care trainings (one at a time, or the checks from .xlsx through the ImportJob pipeline,
all or nothing), and is reminded before a health certificate lapses.

In the sheet a person is named by ID number, matched through the keyed hash, and must be
employed now at the importing institution; any other number gets the same answer, whether or
not it is registered elsewhere. Every record and import is audited."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import pii
from certification.audit import audit_record
from certification.idnumbers import IdType, parse_id_number
from certification.models import (
    Employment,
    HealthCheck,
    HealthTraining,
    ImportJob,
    Notification,
    Organisation,
    Person,
)
from certification.rules.health import HEALTH_REMINDER_DAYS, health_check_problems
from certification.services.imports import ImportHandler, import_job_queue
from certification.services.reminders import reminder_threshold
from certification.spreadsheets import (
    Row,
    RowError,
    SpreadsheetRefused,
    spreadsheet_check,
    spreadsheet_open,
    xlsx_bytes,
)
from cms.text import join_messages

COLUMNS = (
    "姓名",
    "证件类型",
    "证件号码",
    "体检日期",
    "体检结论",
    "体检医院",
    "健康证号",
    "健康证有效期至",
)
REQUIRED = ("证件号码", "体检日期", "体检结论", "体检医院")
RESULT_LABELS = {"合格": HealthCheck.Result.FIT, "不合格": HealthCheck.Result.UNFIT}
NOT_EMPLOYED_HERE = "该证件号码不是本机构在职人员。"


def _employs(institution: Organisation, person: Person) -> bool:
    return Employment.objects.filter(
        institution=institution, person=person, end_date__isnull=True
    ).exists()


def _check_save(
    *,
    actor,
    institution: Organisation,
    person: Person,
    check_date: dt.date,
    result: str,
    hospital: str,
    certificate_number: str,
    valid_until: dt.date | None,
    source: str,
) -> HealthCheck:
    """One check per person and day: a second record of the day corrects the first."""
    check, created = HealthCheck.objects.update_or_create(
        person=person,
        check_date=check_date,
        defaults={
            "institution": institution,
            "result": result,
            "hospital": hospital,
            "certificate_number": certificate_number if result == HealthCheck.Result.FIT else "",
            "valid_until": valid_until,
            "recorded_by": actor,
        },
    )
    audit_record(
        actor=actor,
        action="health.check_record",
        obj=check,
        region_path=institution.region.path,
        data={
            "person": person.pk,
            "institution": institution.pk,
            "result": result,
            "check_date": check_date.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "corrected": not created,
            "source": source,
        },
    )
    return check


@transaction.atomic
def health_check_record(
    *,
    actor,
    institution: Organisation,
    person: Person,
    check_date: dt.date,
    result: str,
    hospital: str,
    certificate_number: str = "",
    valid_until: dt.date | None = None,
) -> HealthCheck:
    """Record a person's yearly health check (the caller has checked that `actor` administers
    `institution`). ValidationError by field when the record does not hold together or the
    person is not employed there now."""
    certificate_number, hospital = certificate_number.strip(), hospital.strip()
    problems = health_check_problems(
        check_date=check_date,
        result=result,
        certificate_number=certificate_number,
        valid_until=valid_until,
        today=timezone.localdate(),
    )
    if not hospital:
        problems["hospital"] = _("请填写体检医院。")
    if not _employs(institution, person):
        problems["__all__"] = _(NOT_EMPLOYED_HERE)
    if problems:
        raise ValidationError(problems)
    return _check_save(
        actor=actor,
        institution=institution,
        person=person,
        check_date=check_date,
        result=result,
        hospital=hospital,
        certificate_number=certificate_number,
        valid_until=valid_until,
        source="form",
    )


@transaction.atomic
def health_training_record(
    *,
    actor,
    institution: Organisation,
    person: Person,
    training_date: dt.date,
    hours: Decimal,
    provider: str,
) -> HealthTraining:
    """Record a yearly health-care training the person attended."""
    problems = {}
    if training_date > timezone.localdate():
        problems["training_date"] = _("培训日期不能晚于今天。")
    if hours is None or hours <= 0:
        problems["hours"] = _("培训学时须大于 0。")
    if not provider.strip():
        problems["provider"] = _("请填写培训机构或主题。")
    if not _employs(institution, person):
        problems["__all__"] = _(NOT_EMPLOYED_HERE)
    if problems:
        raise ValidationError(problems)
    training = HealthTraining.objects.create(
        person=person,
        institution=institution,
        training_date=training_date,
        hours=hours,
        provider=provider.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="health.training_record",
        obj=training,
        region_path=institution.region.path,
        data={
            "person": person.pk,
            "institution": institution.pk,
            "training_date": training_date.isoformat(),
            "hours": str(hours),
        },
    )
    return training


# --- Import from .xlsx -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    person_id: int
    check_date: dt.date
    result: str
    hospital: str
    certificate_number: str
    valid_until: dt.date | None


def health_checks_template() -> bytes:
    """The downloadable template: the header row and one example row to overwrite."""
    example = ("张三", "居民身份证", "", "2026-03-02", "合格", "某某市妇幼保健院", "JK2026-0001")
    return xlsx_bytes([(_("年度体检"), COLUMNS, [(*example, "2027-03-01")])])


def _id_type(label: str) -> str | None:
    label = (label or "").strip()
    if not label:
        return IdType.RESIDENT
    for value, text in IdType.choices:
        if label in (value, str(text)):
            return value
    return None


def _check_row(row: Row, *, institution: Organisation, employed: dict, seen: dict):
    id_type = _id_type(row.text("证件类型"))
    check_date = row.date("体检日期")
    valid_until = row.date("健康证有效期至")
    result_text = row.text("体检结论")
    result = RESULT_LABELS.get(result_text) or (
        result_text if result_text in HealthCheck.Result.values else None
    )
    hospital, number = row.text("体检医院"), row.text("健康证号")
    if result is None:
        row.error("体检结论", _("应为“合格”或“不合格”"))
    if not hospital:
        row.error("体检医院", _("请填写体检医院"))
    elif len(hospital) > 128:
        row.error("体检医院", _("不超过 128 个字"))
    if len(number) > 64:
        row.error("健康证号", _("不超过 64 个字符"))
    if check_date is None and not any(e.column == "体检日期" for e in row.errors):
        row.error("体检日期", _("请填写体检日期"))
    problems = health_check_problems(
        check_date=check_date,
        result=result or "",
        certificate_number=number,
        valid_until=valid_until,
        today=timezone.localdate(),
    )
    columns = {
        "check_date": "体检日期",
        "certificate_number": "健康证号",
        "valid_until": "健康证有效期至",
    }
    for field_name, message in problems.items():
        if not any(e.column == columns[field_name] for e in row.errors):
            row.error(columns[field_name], message)
    if id_type is None:
        return row.error("证件类型", _("无法识别的证件类型"))
    try:
        parsed = parse_id_number(id_type, row.text("证件号码"))
    except ValidationError as exc:
        return row.error("证件号码", join_messages(exc.messages))
    except ValueError as exc:
        return row.error("证件号码", str(exc))
    # The keyed hash finds the person among this institution's employees only: a number
    # registered elsewhere and an unknown number get the same answer.
    person = employed.get((id_type, pii.blind_index(parsed.number)))
    if person is None:
        return row.error("证件号码", _(NOT_EMPLOYED_HERE))
    name = row.text("姓名")
    if name and name != person["name"].strip():
        row.error("姓名", _("姓名与证件号码登记信息不一致。"))
    key = (person["pk"], check_date)
    if check_date and key in seen:
        return row.error("体检日期", _("与第 %(n)d 行重复") % {"n": seen[key]})
    seen[key] = row.number
    if row.errors:
        return None
    return CheckRow(person["pk"], check_date, result, hospital, number, valid_until)


def health_checks_validate(*, institution: Organisation, fileobj, filename="", progress=None):
    """Check every row; raise SpreadsheetRefused naming each bad row and column, or return the
    rows to save. `progress(done)` every 50 rows."""
    sheet = spreadsheet_open(fileobj, filename=filename, required_columns=REQUIRED)
    employed = {
        (p["id_type"], p["id_index"]): p
        for p in Person.objects.filter(
            employments__institution=institution, employments__end_date__isnull=True
        ).values("pk", "id_type", "id_index", "name")
    }
    records, errors, seen = [], [], {}
    for done, row in enumerate(sheet.rows(), start=1):
        if progress and done % 50 == 0:
            progress(done)
        record = _check_row(row, institution=institution, employed=employed, seen=seen)
        errors += row.errors
        if record is not None:
            records.append(record)
    if not errors and not records:
        errors.append(RowError(0, "", _("文件中没有数据行")))
    if errors:
        raise SpreadsheetRefused(errors)
    return records


@transaction.atomic
def health_checks_save(*, actor, institution: Organisation, records) -> int:
    """Save every checked row in one transaction, each audited, and the import as a whole."""
    people = Person.objects.in_bulk([r.person_id for r in records])
    for record in records:
        _check_save(
            actor=actor,
            institution=institution,
            person=people[record.person_id],
            check_date=record.check_date,
            result=record.result,
            hospital=record.hospital,
            certificate_number=record.certificate_number,
            valid_until=record.valid_until,
            source="import",
        )
    audit_record(
        actor=actor,
        action="health.checks_import",
        obj=institution,
        region_path=institution.region.path,
        data={"rows": len(records)},
    )
    return len(records)


def health_checks_import(*, actor, institution: Organisation, upload) -> int:
    """Validate every row, then save all in one transaction — or nothing (SpreadsheetRefused).
    The caller has checked that `actor` administers `institution`."""
    records = health_checks_validate(
        institution=institution, fileobj=upload, filename=getattr(upload, "name", "")
    )
    return health_checks_save(actor=actor, institution=institution, records=records)


def health_checks_import_start(*, actor, institution: Organisation, upload) -> ImportJob:
    """A large sheet: the content is checked now, the rows by certification.run_import_job."""
    spreadsheet_check(upload, filename=getattr(upload, "name", ""))
    return import_job_queue(
        actor=actor,
        kind=ImportJob.Kind.HEALTH_CHECKS,
        upload=upload,
        region=institution.region,
        audit_action="health.checks_import_queued",
        params={"institution": institution.pk},
    )


def _job_institution(job) -> Organisation:
    return Organisation.objects.select_related("region").get(pk=job.params["institution"])


def _job_validate(job, fileobj, progress):
    return health_checks_validate(
        institution=_job_institution(job), fileobj=fileobj, progress=progress
    )


def _job_save(job, records) -> int:
    return health_checks_save(
        actor=job.requested_by, institution=_job_institution(job), records=records
    )


IMPORT_HANDLER = ImportHandler(
    validate=_job_validate,
    save=_job_save,
    filename="health-checks.xlsx",
    back_url=lambda job: reverse("certification:health_import", args=[job.params["institution"]]),
)


# --- Reminders before a health certificate lapses ----------------------------------------------


def _notify_institution(*, institution: Organisation, check: HealthCheck, days: int) -> bool:
    """The dedupe-keyed notice (and its e-mail); False when this threshold was sent before."""
    context = {"check": check, "person": check.person, "days": days, "institution": institution}
    subject = render_to_string("emails/health_reminder-subject.txt", context).strip()
    body = render_to_string("emails/health_reminder-body.txt", context)
    try:
        with transaction.atomic():
            Notification.objects.create(
                kind=Notification.Kind.HEALTH_REMINDER,
                recipient_organisation=institution,
                title=subject,
                body=body,
                link=reverse("certification:health_people", args=[institution.pk]) + "?status=due",
                dedupe_key=f"health-reminder:{check.pk}:{days}:org:{institution.pk}",
            )
    except IntegrityError:
        return False
    if institution.contact_email:
        transaction.on_commit(
            lambda: send_mail(
                subject, body, settings.DEFAULT_FROM_EMAIL, [institution.contact_email]
            )
        )
    return True


def health_reminders_send(*, on_date: dt.date | None = None) -> dict:
    """Daily: for every employed person whose latest check's health certificate lapses within
    the largest of HEALTH_REMINDER_DAYS, remind each institution employing them once per
    threshold (the most recent one crossed; a late run never sends the missed ones). The
    notice's dedupe key makes a re-run send nothing twice; each run that sends is audited."""
    on_date = on_date or timezone.localdate()
    horizon = on_date + dt.timedelta(days=max(HEALTH_REMINDER_DAYS))
    later = HealthCheck.objects.filter(
        person=OuterRef("person"), check_date__gt=OuterRef("check_date")
    )
    candidates = (
        HealthCheck.objects.filter(
            result=HealthCheck.Result.FIT, valid_until__gte=on_date, valid_until__lte=horizon
        )
        .exclude(Exists(later))
        .select_related("person")
    )
    employers = {}
    for person_id, institution_id in (
        Employment.objects.filter(end_date__isnull=True, person__in=candidates.values("person_id"))
        .values_list("person_id", "institution_id")
        .distinct()
    ):
        employers.setdefault(person_id, set()).add(institution_id)
    institutions = Organisation.objects.in_bulk({i for ids in employers.values() for i in ids})
    sent = 0
    for check in candidates.iterator(chunk_size=2000):
        days = reminder_threshold(
            days_left=(check.valid_until - on_date).days, thresholds=list(HEALTH_REMINDER_DAYS)
        )
        for institution_id in sorted(employers.get(check.person_id, ())):
            sent += _notify_institution(
                institution=institutions[institution_id], check=check, days=days
            )
    if sent:
        audit_record(
            actor=None,
            action="health.reminders_sent",
            data={"sent": sent, "on": on_date.isoformat()},
        )
    return {"sent": sent}
