import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from wagtail.models import Page

from certification.models import AssessmentResult, HourEntry
from cms.models.pages import CoursePage
from lms.models import Attendance, ClassEnrolment, ClassSession
from lms.services import offline
from tests.factories import AccreditationFactory, PersonFactory, new_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(cast, orgs):
    course = CoursePage(
        title="保育人员培训",
        slug="care-offline",
        code="OFF-2",
        audience_roles=["all"],
        pass_mark=70,
        has_practical_assessment=True,
    )
    Page.get_first_root_node().add_child(instance=course)
    AccreditationFactory(training_base=orgs.base).courses.add(course)
    start = timezone.now() - dt.timedelta(hours=3)
    s = offline.class_session_create(
        actor=cast.base_staff,
        training_base=orgs.base,
        course=course,
        title="保育实操一班",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        hours=Decimal("2.0"),
        hour_kind="practice",
        capacity=10,
    )
    offline.class_enrol(actor=cast.base_staff, session=s, person=cast.worker)
    return s


def test_base_staff_see_their_class_and_the_qr_screen(client, cast, session):
    client.force_login(cast.base_staff)
    assert "保育实操一班" in client.get(reverse("lms:class_list")).content.decode()
    assert (
        cast.worker.name
        in client.get(reverse("lms:class_detail", args=[session.pk])).content.decode()
    )
    assert "<svg" in client.get(reverse("lms:class_qr", args=[session.pk])).content.decode()


def test_another_bases_staff_can_neither_see_nor_mark_the_class(client, cast, session):
    client.force_login(cast.other_base_staff)
    assert "保育实操一班" not in client.get(reverse("lms:class_list")).content.decode()
    assert client.get(reverse("lms:class_detail", args=[session.pk])).status_code == 403
    response = client.post(
        reverse("lms:class_mark", args=[session.pk]), {"person": cast.worker.pk, "present": "1"}
    )
    assert response.status_code == 403
    assert not Attendance.objects.filter(session=session).exists()


def test_staff_mark_present_and_finalise_credits_hours_once(client, cast, session):
    client.force_login(cast.base_staff)
    mark = reverse("lms:class_mark", args=[session.pk])
    client.post(mark, {"person": cast.worker.pk, "present": "1"})
    client.post(reverse("lms:class_finalise", args=[session.pk]))
    client.post(reverse("lms:class_finalise", args=[session.pk]))

    assert list(HourEntry.objects.filter(person=cast.worker).values_list("hours", flat=True)) == [
        Decimal("2.0")
    ]
    assert ClassSession.objects.get(pk=session.pk).status == "finalised"


def test_roster_upload_page_shows_row_errors(client, cast, session):
    wb = Workbook()
    wb.active.append(["姓名", "证件类型", "证件号码"])
    wb.active.append(["张三", "", "110101199001011234"])
    buf = BytesIO()
    wb.save(buf)
    client.force_login(cast.base_staff)
    response = client.post(
        reverse("lms:class_import", args=[session.pk]),
        {"file": SimpleUploadedFile("r.xlsx", buf.getvalue())},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "未导入任何数据" in body and "<td>2</td>" in body
    assert ClassEnrolment.objects.filter(session=session).count() == 1


def test_roster_template_downloads_as_xlsx(client, cast):
    client.force_login(cast.base_staff)
    response = client.get(reverse("lms:roster_template"))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_enrolled_learner_signs_in_by_scanning_and_stranger_is_refused(client, cast, session):
    token = offline.qr_token(session_id=session.pk, window=offline.qr_window())
    url = reverse("lms:class_sign", args=[session.pk, token])
    client.force_login(cast.outsider)
    assert client.post(url, {"action": "in"}).status_code == 400
    client.force_login(cast.worker_user)
    assert client.get(url).status_code == 200
    client.post(url, {"action": "in"})
    assert Attendance.objects.get(session=session, person=cast.worker).signed_in_at
    stale = reverse("lms:class_sign", args=[session.pk, "0" * 32])
    assert client.post(stale, {"action": "out"}).status_code == 400


def _assess(client, session, person, kind, score):
    return client.post(
        reverse("lms:class_assessment", args=[session.pk]),
        {"person": person.pk, "kind": kind, "score": score},
        follow=True,
    )


def test_staff_record_theory_and_practical_scores_and_the_pass_mark_decides(client, cast, session):
    """Before: an offline theory test could not be recorded anywhere, the practical form took
    "合格" from a select whatever the score, and the page forgot the score after saving."""
    client.force_login(cast.base_staff)
    _assess(client, session, cast.worker, "theory", "69.5")
    page = _assess(client, session, cast.worker, "practical", "70").content.decode()
    theory, practical = (
        AssessmentResult.objects.get(person=cast.worker, kind=kind)
        for kind in ("theory", "practical")
    )
    assert not theory.passed and theory.score == Decimal("69.5")
    assert practical.passed and practical.training_base == session.training_base
    assert "69.5 不合格" in page and "70.0 合格" in page and "及格分 70" in page

    _assess(client, session, cast.worker, "theory", "88")  # a resit: both attempts are kept
    page = client.get(reverse("lms:class_detail", args=[session.pk])).content.decode()
    assert "88.0 合格" in page and "69.5" not in page
    assert AssessmentResult.objects.filter(person=cast.worker, kind="theory").count() == 2


def test_a_score_out_of_range_or_an_assessment_the_course_lacks_is_refused(client, cast, session):
    CoursePage.objects.filter(pk=session.course_id).update(has_practical_assessment=False)
    client.force_login(cast.base_staff)
    page = _assess(client, session, cast.worker, "practical", "90").content.decode()
    assert "本课程不设此项考核" in page
    page = _assess(client, session, cast.worker, "theory", "101").content.decode()
    assert "100" in page and not AssessmentResult.objects.exists()


def test_a_learner_not_on_the_roster_or_another_bases_class_is_refused(client, cast, session):
    client.force_login(cast.base_staff)
    stranger = PersonFactory()
    assert _assess(client, session, stranger, "theory", "90").status_code == 404
    client.force_login(cast.other_base_staff)
    assert _assess(client, session, cast.worker, "theory", "90").status_code == 403
    assert not AssessmentResult.objects.exists()


def test_staff_enrol_one_person_by_id_number(client, cast, session):
    number = new_id_number()
    person = PersonFactory(name="陈红", id_number=number)
    client.force_login(cast.base_staff)
    client.post(
        reverse("lms:class_enrol", args=[session.pk]),
        {"name": "陈红", "id_type": "resident", "id_number": number},
    )
    assert ClassEnrolment.objects.filter(session=session, person=person).exists()


def test_closing_a_class_dated_beyond_the_back_dating_window_credits_nothing(client, cast, session):
    """Before: a class dated 2020 credited its hours at close."""
    old = timezone.now() - dt.timedelta(days=40)
    ClassSession.objects.filter(pk=session.pk).update(
        starts_at=old, ends_at=old + dt.timedelta(hours=2)
    )
    client.force_login(cast.base_staff)
    client.post(
        reverse("lms:class_mark", args=[session.pk]), {"person": cast.worker.pk, "present": "1"}
    )

    response = client.post(reverse("lms:class_finalise", args=[session.pk]), follow=True)

    assert "只能补录 30 天内的学时" in response.content.decode()
    assert not HourEntry.objects.filter(person=cast.worker).exists()
    assert ClassSession.objects.get(pk=session.pk).status == "scheduled"
