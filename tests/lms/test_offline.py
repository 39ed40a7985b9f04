import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook
from wagtail.models import Page

from certification.models import AuditEvent, BanEntry, HourEntry, Person
from certification.services.bans import PersonBanned
from certification.spreadsheets import SpreadsheetRefused
from cms.models.pages import CoursePage
from lms.access import access_class_session
from lms.models import ClassEnrolment
from lms.services import offline
from lms.services.roster_import import roster_import
from tests.factories import AccreditationFactory, PersonFactory, new_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(orgs):
    root = Page.get_first_root_node()
    page = CoursePage(
        title="托育机构负责人培训", slug="director-offline", code="OFF-1", audience_roles=["all"]
    )
    root.add_child(instance=page)
    AccreditationFactory(training_base=orgs.base).courses.add(page)
    return page


@pytest.fixture
def session(cast, orgs, course):
    start = timezone.now() - dt.timedelta(hours=3)
    return offline.class_session_create(
        actor=cast.base_staff,
        training_base=orgs.base,
        course=course,
        title="第一期",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        hours=Decimal("3.0"),
        hour_kind="practice",
        capacity=3,
    )


def person_with(id_number, name="王芳"):
    return PersonFactory(name=name, id_number=id_number)


def xlsx(rows, name="roster.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "证件类型", "证件号码"])
    for r in rows:
        ws.append(list(r))
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def refused(**kwargs):
    """The errors of a roster import that must be refused whole."""
    with pytest.raises(SpreadsheetRefused) as exc:
        roster_import(**kwargs)
    return exc.value.errors


def test_roster_with_bad_rows_saves_nothing_and_names_each_row(cast, session):
    good = new_id_number()
    person_with(good, "王芳")
    other = new_id_number()
    person_with(other, "李静")
    upload = xlsx(
        [("王芳", "", good), ("张三", "", "123"), ("赵六", "", other), ("王芳", "", good)]
    )

    errors = refused(actor=cast.base_staff, session=session, upload=upload)

    assert {(e.row, e.column) for e in errors} == {
        (3, "证件号码"),
        (4, "姓名"),
        (5, "证件号码"),
    }
    assert ClassEnrolment.objects.filter(session=session).count() == 0


def test_a_good_roster_enrols_everyone(cast, session):
    ids = [new_id_number(), new_id_number()]
    person_with(ids[0], "王芳")
    person_with(ids[1], "李静")

    enrolled = roster_import(
        actor=cast.base_staff,
        session=session,
        upload=xlsx([("王芳", "居民身份证", ids[0]), ("李静", None, ids[1])]),
    )

    assert enrolled == 2
    assert ClassEnrolment.objects.filter(session=session).count() == 2


def test_roster_over_capacity_saves_nothing(cast, session):
    ids = [new_id_number() for _ in range(4)]
    for i, n in enumerate(ids):
        person_with(n, f"人员{i}")

    errors = refused(
        actor=cast.base_staff,
        session=session,
        upload=xlsx([(f"人员{i}", "", n) for i, n in enumerate(ids)]),
    )

    assert "容量" in errors[0].message and errors[0].row == 0
    assert not ClassEnrolment.objects.filter(session=session).exists()


def test_a_non_xlsx_upload_is_refused(cast, session):
    errors = refused(
        actor=cast.base_staff,
        session=session,
        upload=SimpleUploadedFile("roster.xlsx", b"not a workbook"),
    )
    assert errors[0].row == 0 and "不是有效的 .xlsx" in errors[0].message


def ban(person, regions):
    return BanEntry.objects.create(
        id_index=person.id_index,
        name=person.name,
        reason_category=BanEntry.Reason.values[0],
        decision_number="卫禁〔2026〕1号",
        region=regions.kunming,
        effective_date=dt.date(2025, 1, 1),
    )


def test_a_banned_person_cannot_be_enrolled(cast, session, regions):
    person = person_with(new_id_number())
    ban(person, regions)

    with pytest.raises(PersonBanned) as exc:
        offline.class_enrol(actor=cast.base_staff, session=session, person=person)

    assert "卫生健康部门" in str(exc.value)
    assert not ClassEnrolment.objects.filter(person=person).exists()


def test_a_banned_row_fails_the_whole_roster_without_ban_details(cast, session, regions):
    ok, bad = person_with(new_id_number(), "王芳"), person_with(new_id_number(), "李静")
    ban(bad, regions)

    errors = refused(
        actor=cast.base_staff,
        session=session,
        upload=xlsx([("王芳", "", ok.reveal_id_number()), ("李静", "", bad.reveal_id_number())]),
    )

    assert [(e.row, e.message) for e in errors] == [
        (3, "该人员不得从事托育服务，请联系卫生健康部门")
    ]
    assert not ClassEnrolment.objects.filter(session=session).exists()


def test_present_person_gets_one_ledger_entry_with_the_session_hours(cast, session):
    offline.class_enrol(actor=cast.base_staff, session=session, person=cast.worker)
    offline.attendance_mark(
        actor=cast.base_staff, session=session, person=cast.worker, present=True
    )

    offline.class_session_finalise(actor=cast.base_staff, session=session)
    offline.class_session_finalise(actor=cast.base_staff, session=session)
    offline.attendance_mark(
        actor=cast.base_staff, session=session, person=cast.worker, present=True
    )

    entries = HourEntry.objects.filter(person=cast.worker)
    assert [(e.hours, e.kind, e.source) for e in entries] == [
        (Decimal("3.0"), "practice", "offline")
    ]
    assert entries[0].external_ref == f"attendance:{session.pk}:{cast.worker.pk}"


def test_absent_person_gets_no_hours(cast, session):
    offline.class_enrol(actor=cast.base_staff, session=session, person=cast.worker)
    offline.attendance_mark(
        actor=cast.base_staff, session=session, person=cast.worker, present=False
    )
    offline.class_session_finalise(actor=cast.base_staff, session=session)
    assert not HourEntry.objects.filter(person=cast.worker).exists()


def test_qr_token_current_accepted_expired_refused_not_enrolled_refused(cast, session, settings):
    settings.ATTENDANCE_QR_ROTATE_SECONDS = 30
    offline.class_enrol(actor=cast.base_staff, session=session, person=cast.worker)
    now = 1_800_000_000.0
    token = offline.qr_token(session_id=session.pk, window=offline.qr_window(now))

    assert offline.qr_token_valid(session_id=session.pk, token=token, now=now + 30)
    assert not offline.qr_token_valid(session_id=session.pk, token=token, now=now + 60)
    with pytest.raises(ValidationError):
        offline.attendance_qr_sign(
            user=cast.worker_user, session=session, token=token, action="in", now=now + 90
        )
    with pytest.raises(ValidationError):
        offline.attendance_qr_sign(
            user=cast.outsider, session=session, token=token, action="in", now=now
        )

    offline.attendance_qr_sign(
        user=cast.worker_user, session=session, token=token, action="in", now=now
    )
    att = offline.attendance_qr_sign(
        user=cast.worker_user, session=session, token=token, action="out", now=now
    )
    assert att.present and att.signed_in_at and att.signed_out_at


def test_another_bases_staff_cannot_see_or_mark_the_class(cast, session):
    assert access_class_session(cast.base_staff, session.pk) == session
    with pytest.raises(PermissionDenied):
        access_class_session(cast.other_base_staff, session.pk)
    assert AuditEvent.objects.filter(action="access.denied", actor=cast.other_base_staff).exists()


def test_an_oversized_or_non_xlsx_file_is_refused_before_reading(cast, session, settings):
    errors = refused(actor=cast.base_staff, session=session, upload=xlsx([], name="r.xls"))
    assert ".xlsx" in errors[0].message
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    errors = refused(actor=cast.base_staff, session=session, upload=xlsx([]))
    assert "文件超过" in errors[0].message


def test_a_credited_attendance_cannot_be_unmarked(cast, session):
    offline.class_enrol(actor=cast.base_staff, session=session, person=cast.worker)
    offline.attendance_mark(
        actor=cast.base_staff, session=session, person=cast.worker, present=True
    )
    offline.class_session_finalise(actor=cast.base_staff, session=session)
    with pytest.raises(ValidationError):
        offline.attendance_mark(
            actor=cast.base_staff, session=session, person=cast.worker, present=False
        )
    assert HourEntry.objects.filter(person=cast.worker).count() == 1


def test_a_new_number_on_the_roster_is_registered_and_enrolled_not_reported_unknown(
    cast, session, orgs
):
    # Issue 13: the roster told "系统中无此人员档案" from "姓名与档案不一致", so a base could
    # probe whether a number was registered anywhere. A new number is now simply registered.
    known = new_id_number()
    person_with(known, "王芳")
    new = new_id_number()

    enrolled = roster_import(
        actor=cast.base_staff,
        session=session,
        upload=xlsx([("王芳", "", known), ("陈新", "", new)]),
    )

    assert enrolled == 2
    newcomer = ClassEnrolment.objects.get(session=session, person__name="陈新").person
    assert newcomer.region == orgs.base.region and newcomer.id_masked.endswith(new[-4:])


def test_a_registered_number_under_another_name_is_refused_as_on_the_hiring_page(cast, session):
    known = new_id_number()
    person_with(known, "李静")

    errors = refused(actor=cast.base_staff, session=session, upload=xlsx([("李某", "", known)]))

    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "姓名", "姓名与证件号码登记信息不一致。")
    ]


def test_a_roster_with_a_bad_row_registers_no_new_number(cast, session):
    before = Person.objects.count()
    errors = refused(
        actor=cast.base_staff,
        session=session,
        upload=xlsx([("陈新", "", new_id_number()), ("张三", "", "123")]),
    )
    assert [e.row for e in errors] == [3]
    assert Person.objects.count() == before and not ClassEnrolment.objects.exists()
