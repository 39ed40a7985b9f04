"""Offline classes: sessions, enrolment, attendance, QR sign-in and hour credit (D-10).

Credit policy: attendance is credited when base staff finalise the session; marking someone
present on an already finalised session credits at once. Each credit goes through
certification.services.hours.hours_credit with external_ref "attendance:<session>:<person>",
so repeating an action never double-credits.
"""

import datetime as dt
import hashlib
import hmac
import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit import audit_record
from certification.models import CheckPurpose, Organisation, Person, StaffRole
from certification.models.assessments import AssessmentKind, AssessmentResult
from certification.services.assessments import assessment_record
from certification.services.bans import ban_gate
from certification.services.hours import hours_credit_by_base
from lms.models import Attendance, ClassEnrolment, ClassSession


def _region(session: ClassSession) -> str:
    return session.training_base.region.path


@transaction.atomic
def class_session_create(
    *,
    actor,
    training_base: Organisation,
    course,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    hours: Decimal,
    hour_kind: str,
    capacity: int,
    place: str = "",
    instructors: str = "",
) -> ClassSession:
    """D-10: schedule a class at a base. Raises ValidationError if it ends before it starts."""
    if ends_at <= starts_at:
        raise ValidationError(_("结束时间必须晚于开始时间。"))
    session = ClassSession.objects.create(
        training_base=training_base,
        course=course,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        hour_kind=hour_kind,
        capacity=capacity,
        place=place,
        instructors=instructors,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="class.create",
        obj=session,
        data={"course": course.pk, "hours": hours},
        region_path=_region(session),
    )
    return session


@transaction.atomic
def class_session_update(*, actor, session: ClassSession, **fields) -> ClassSession:
    """Edit a scheduled session's details; a finalised session is frozen."""
    session = ClassSession.objects.select_for_update().get(pk=session.pk)
    if session.status != ClassSession.Status.SCHEDULED:
        raise ValidationError(_("该班次已结课，不能修改。"))
    for name, value in fields.items():
        setattr(session, name, value)
    if session.ends_at <= session.starts_at:
        raise ValidationError(_("结束时间必须晚于开始时间。"))
    session.save()
    audit_record(
        actor=actor,
        action="class.update",
        obj=session,
        data={"fields": sorted(fields)},
        region_path=_region(session),
    )
    return session


def _gate(*, actor, person: Person, session: ClassSession) -> None:
    # Outside any transaction so the audit row of a hit survives (see ban_gate).
    ban_gate(
        id_index=person.id_index,
        purpose=CheckPurpose.ENROLMENT,
        actor=actor,
        actor_role=StaffRole.BASE_STAFF,
        organisation=session.training_base,
    )


def class_enrol(*, actor, session: ClassSession, person: Person) -> ClassEnrolment:
    """Enrol one person (ban check D-23 first). Raises PersonBanned or ValidationError
    (full class, already enrolled, session closed)."""
    _gate(actor=actor, person=person, session=session)
    return _enrol_many(actor=actor, session=session, people=[person])[0]


@transaction.atomic
def _enrol_many(*, actor, session: ClassSession, people: list[Person]) -> list[ClassEnrolment]:
    session = (
        ClassSession.objects.select_for_update()
        .select_related("training_base__region")
        .get(pk=session.pk)
    )
    if session.status != ClassSession.Status.SCHEDULED:
        raise ValidationError(_("该班次已结课，不能报名。"))
    taken = session.enrolments.count()
    if taken + len(people) > session.capacity:
        raise ValidationError(_("班次人数已满（容量 %(c)d）。") % {"c": session.capacity})
    created = []
    for person in people:
        try:
            with transaction.atomic():
                enrolment = ClassEnrolment.objects.create(
                    session=session, person=person, enrolled_by=actor
                )
        except IntegrityError:
            raise ValidationError(_("该人员已报名本班次。")) from None
        audit_record(
            actor=actor,
            action="class.enrol",
            obj=enrolment,
            data={"session": session.pk, "person": person.pk},
            region_path=_region(session),
        )
        created.append(enrolment)
    return created


def _credit(*, actor, attendance: Attendance, session: ClassSession) -> None:
    if attendance.hour_entry_id or not attendance.present or session.hours <= 0:
        return
    entry = hours_credit_by_base(
        person=attendance.person,
        date=timezone.localdate(session.starts_at),
        hours=session.hours,
        kind=session.hour_kind,
        course=session.course,
        training_base=session.training_base,
        evidence={
            "session": session.pk,
            "signed_in_at": attendance.signed_in_at,
            "signed_out_at": attendance.signed_out_at,
            "marked_by": attendance.marked_by_id,
        },
        external_ref=f"attendance:{session.pk}:{attendance.person_id}",
        recorded_by=actor,
    )
    if entry is not None:
        attendance.hour_entry = entry
        attendance.save(update_fields=["hour_entry"])


@transaction.atomic
def attendance_mark(*, actor, session: ClassSession, person: Person, present: bool) -> Attendance:
    """D-10: base staff mark an enrolled person present or absent. On a finalised session a
    present mark credits the hours at once (idempotent). Un-marking a credited person is refused:
    the ledger is corrected by a reversing entry (D-8), not here."""
    session = (
        ClassSession.objects.select_for_update()
        .select_related("training_base__region", "course")
        .get(pk=session.pk)
    )
    if not session.enrolments.filter(person=person).exists():
        raise ValidationError(_("该人员未报名本班次。"))
    attendance, _created = Attendance.objects.select_for_update().get_or_create(
        session=session, person=person
    )
    if attendance.hour_entry_id and not present:
        raise ValidationError(_("学时已入账，请通过学时更正处理。"))
    attendance.present = present
    attendance.marked_by = actor
    attendance.save(update_fields=["present", "marked_by"])
    audit_record(
        actor=actor,
        action="attendance.mark",
        obj=attendance,
        data={"session": session.pk, "person": person.pk, "present": present},
        region_path=_region(session),
    )
    if session.status == ClassSession.Status.FINALISED:
        _credit(actor=actor, attendance=attendance, session=session)
    return attendance


@transaction.atomic
def class_session_finalise(*, actor, session: ClassSession) -> int:
    """D-10: close the session and credit its scheduled hours to everyone present. Safe to
    repeat: returns the number of ledger entries attached, never double-credits."""
    session = (
        ClassSession.objects.select_for_update()
        .select_related("training_base__region", "course")
        .get(pk=session.pk)
    )
    if session.status == ClassSession.Status.CANCELLED:
        raise ValidationError(_("该班次已取消。"))
    if session.status != ClassSession.Status.FINALISED:
        session.status = ClassSession.Status.FINALISED
        session.save(update_fields=["status"])
        audit_record(
            actor=actor, action="class.finalise", obj=session, region_path=_region(session)
        )
    credited = 0
    for attendance in session.attendance.select_related("person").filter(present=True):
        _credit(actor=actor, attendance=attendance, session=session)
        credited += attendance.hour_entry_id is not None
    return credited


# --- rotating QR sign-in -------------------------------------------------------------------


def assessment_kinds_offered(course) -> list[AssessmentKind]:
    """The assessments a course holds (D-16): its theory test and/or practical assessment."""
    offered = {
        AssessmentKind.THEORY: course.has_theory_test,
        AssessmentKind.PRACTICAL: course.has_practical_assessment,
    }
    return [kind for kind in AssessmentKind if offered[kind]]


def class_assessment_record(
    *, actor, session: ClassSession, person: Person, kind: str, score: Decimal
) -> AssessmentResult:
    """D-16: base staff record an offline theory test or practical assessment of one learner on
    this class's roster. The pass is the course's pass mark applied to the score; a kind the
    course does not assess, or a theory test the course holds online, is refused."""
    course = session.course
    if kind not in assessment_kinds_offered(course):
        raise ValidationError(_("本课程不设此项考核。"))
    if not session.enrolments.filter(person=person).exists():
        raise ValidationError(_("此人不在本班名单中。"))
    return assessment_record(
        actor=actor,
        person=person,
        course=course,
        training_base=session.training_base,
        kind=kind,
        score=score,
        passed=score >= course.pass_mark,
        assessed_on=timezone.localdate(),
    )


def _qr_key() -> bytes:
    return hashlib.sha256(b"carecert-attendance-qr:" + settings.SECRET_KEY.encode()).digest()


def qr_window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // settings.ATTENDANCE_QR_ROTATE_SECONDS)


def qr_token(*, session_id: int, window: int) -> str:
    msg = f"{session_id}:{window}".encode()
    return hmac.new(_qr_key(), msg, hashlib.sha256).hexdigest()[:32]


def qr_token_valid(*, session_id: int, token: str, now: float | None = None) -> bool:
    """A token is accepted for the current and the previous time window only."""
    current = qr_window(now)
    return any(
        hmac.compare_digest(qr_token(session_id=session_id, window=w), token or "")
        for w in (current, current - 1)
    )


@transaction.atomic
def attendance_qr_sign(
    *, user, session: ClassSession, token: str, action: str, now: float | None = None
) -> Attendance:
    """D-10: an enrolled learner signs in or out by scanning the classroom QR code.
    Raises ValidationError for an expired/forged token, a non-enrolled user or a closed session."""
    if not qr_token_valid(session_id=session.pk, token=token, now=now):
        raise ValidationError(_("二维码已过期，请重新扫描课堂屏幕上的二维码。"))
    session = (
        ClassSession.objects.select_for_update()
        .select_related("training_base__region")
        .get(pk=session.pk)
    )
    if session.status != ClassSession.Status.SCHEDULED:
        raise ValidationError(_("该班次已结课。"))
    person = Person.objects.filter(user=user).first() if getattr(user, "pk", None) else None
    if person is None or not session.enrolments.filter(person=person).exists():
        raise ValidationError(_("您未报名本班次，无法签到。"))
    attendance, _created = Attendance.objects.select_for_update().get_or_create(
        session=session, person=person
    )
    stamp = timezone.now()
    if action == "in":
        attendance.signed_in_at = attendance.signed_in_at or stamp
    elif action == "out":
        if attendance.signed_in_at is None:
            raise ValidationError(_("请先签到。"))
        attendance.signed_out_at = stamp
        attendance.present = True  # D-10: signed in and out
    else:
        raise ValidationError(_("未知操作。"))
    attendance.save()
    audit_record(
        actor=user,
        action=f"attendance.sign_{action}",
        obj=attendance,
        data={"session": session.pk, "person": person.pk},
        region_path=_region(session),
    )
    return attendance
