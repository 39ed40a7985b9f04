"""Training-base dashboard: classes with attendance rates, certificates issued, pending
issuance; own base's staff only; xlsx export."""

import datetime as dt
import io
import secrets
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from certification.models import AuditEvent, BanEntry, Certificate, HourEntry
from cms.models.pages import CoursePage
from lms.models import Attendance, ClassEnrolment, ClassSession
from tests.factories import AccreditationFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = "lms:base_dashboard"


@pytest.fixture
def course(orgs):
    root = Page.get_first_root_node()
    page = CoursePage(
        title="保育实操培训",
        slug="practice-dash",
        code="DASH-1",
        audience_roles=["all"],
        theory_hours=Decimal("0"),
        practice_hours=Decimal("3"),
        has_theory_test=False,
    )
    root.add_child(instance=page)
    AccreditationFactory(training_base=orgs.base).courses.add(page)
    return page


def session(base, course, *, days: int, title: str, status=ClassSession.Status.SCHEDULED):
    start = timezone.now() + dt.timedelta(days=days)
    return ClassSession.objects.create(
        course=course,
        training_base=base,
        title=title,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        hours=Decimal("3"),
        hour_kind="practice",
        capacity=30,
        status=status,
    )


def certificate(person, course, base, *, revoked=False):
    return Certificate.objects.create(
        kind=Certificate.Kind.TRAINING,
        serial=f"TC-{secrets.token_hex(4)}",
        verification_code=secrets.token_urlsafe(16),
        person=person,
        course=course,
        issuer=base,
        issuer_name=base.name,
        issue_date=timezone.localdate(),
        status=Certificate.Status.REVOKED if revoked else Certificate.Status.VALID,
        revoked_at=timezone.now() if revoked else None,
        revocation_reason="测试撤销" if revoked else "",
    )


@pytest.fixture
def base_data(orgs, course):
    """A finished class of 4 (3 present), an upcoming class of 2, another base's class."""
    people = [PersonFactory(name=n) for n in ("甲已发证", "乙待发证", "丙待发证", "丁缺勤")]
    past = session(orgs.base, course, days=-7, title="第一期", status=ClassSession.Status.FINALISED)
    for i, person in enumerate(people):
        ClassEnrolment.objects.create(session=past, person=person)
        present = i < 3
        Attendance.objects.create(session=past, person=person, present=present)
        if present:
            HourEntry.objects.create(
                person=person,
                date=timezone.localdate(),
                hours=Decimal("3"),
                kind="practice",
                source="offline",
                course=course,
                training_base=orgs.base,
            )
    upcoming = session(orgs.base, course, days=7, title="第二期")
    for person in people[3:]:
        ClassEnrolment.objects.create(session=upcoming, person=person)
    ClassEnrolment.objects.create(session=upcoming, person=PersonFactory(name="戊新报名"))
    elsewhere = session(orgs.other_base, course, days=-3, title="外基地班")
    outsider = PersonFactory(name="己外基地")
    ClassEnrolment.objects.create(session=elsewhere, person=outsider)
    HourEntry.objects.create(
        person=outsider,
        date=timezone.localdate(),
        hours=Decimal("3"),
        kind="practice",
        source="offline",
        course=course,
        training_base=orgs.other_base,
    )
    certificate(people[0], course, orgs.base)
    certificate(PersonFactory(name="庚已撤销"), course, orgs.base, revoked=True)
    return {"people": people, "past": past, "upcoming": upcoming}


def test_base_staff_see_enrolment_attendance_rate_certificates_and_pending(client, cast, base_data):
    client.force_login(cast.base_staff)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    ctx = response.context
    assert [c["title"] for c in ctx["upcoming"]] == ["第二期"]
    assert ctx["upcoming"][0]["enrolled"] == 2
    assert [c["title"] for c in ctx["recent"]] == ["第一期"]
    past = ctx["recent"][0]
    assert (past["enrolled"], past["present"], past["rate"]) == (4, 3, Decimal("75.0"))
    assert ctx["overall_rate"] == Decimal("75.0")
    assert ctx["issued_total"] == 2
    assert [(m["issued"], m["revoked"]) for m, _ in ctx["certificates"]] == [(2, 1)]
    # 甲 holds a certificate, 丁 was absent (no hours), 己 studied at another base
    assert sorted(p["name"] for p in ctx["pending"]) == ["丙待发证", "乙待发证"]
    body = response.content.decode()
    assert "75.0%" in body and "外基地班" not in body and "己外基地" not in body


def test_a_person_short_of_the_course_hours_is_not_pending(client, cast, orgs, course, base_data):
    course.practice_hours = Decimal("6")
    course.save()
    client.force_login(cast.base_staff)
    assert client.get(reverse(URL)).context["pending"] == []


def test_month_filter_narrows_classes_and_certificates(client, cast, base_data):
    client.force_login(cast.base_staff)
    response = client.get(reverse(URL), {"from": "2001-01", "to": "2001-12"})
    assert response.context["recent"] == [] and response.context["upcoming"] == []
    assert response.context["certificates"] == []


def test_another_bases_staff_are_denied_this_base_and_the_denial_is_audited(
    client, cast, orgs, base_data
):
    client.force_login(cast.other_base_staff)
    response = client.get(reverse(URL), {"base": orgs.base.pk})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=cast.other_base_staff).exists()
    own = client.get(reverse(URL))
    assert own.status_code == 200
    assert [c["title"] for c in own.context["recent"]] == ["外基地班"]
    assert [p["name"] for p in own.context["pending"]] == []  # no accreditation for the course


@pytest.mark.parametrize("who", ["regulator", "institution_admin", "worker_user"])
def test_regulators_institutions_and_workers_are_refused(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse(URL)).status_code == 403


def test_export_holds_the_tables_and_is_audited(client, cast, base_data):
    client.force_login(cast.base_staff)
    response = client.get(reverse(URL), {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    recent = list(book["近期班次"].values)
    assert recent[1][0] == "第一期" and recent[1][4:] == (4, 3, 75)
    assert sorted(r[0] for r in list(book["待发证"].values)[1:]) == ["丙待发证", "乙待发证"]
    assert list(book["发证"].values)[1][1:] == (2, 1)
    assert AuditEvent.objects.filter(action="dashboard.export", actor=cast.base_staff).exists()


def test_base_staff_find_the_dashboard_in_the_header(client, cast):
    client.force_login(cast.base_staff)
    body = client.get(reverse(URL)).content.decode()
    assert reverse(URL) in body and "基地看板" in body


def test_a_banned_person_leaves_the_pending_issuance_list(client, cast, regions, base_data):
    """Before: the base still listed a banned caregiver under 待发证."""
    banned = base_data["people"][1]
    BanEntry.objects.create(
        id_type="resident",
        id_cipher=banned.id_cipher,
        id_index=banned.id_index,
        id_masked=banned.id_masked,
        name=banned.name,
        birth_date=banned.birth_date or dt.date(1990, 1, 1),
        ban_type=BanEntry.BanType.LIFETIME,
        reason_category=BanEntry.Reason.ABUSE,
        decision_number="（2026）云01刑初7号",
        authority="昆明市中级人民法院",
        effective_date=timezone.localdate(),
        region=regions.kunming,
    )
    client.force_login(cast.base_staff)
    pending = client.get(reverse(URL)).context["pending"]
    assert [p["name"] for p in pending] == ["丙待发证"]


def test_a_pending_row_issues_that_one_certificate(
    client, cast, base_data, course, django_capture_on_commit_callbacks
):
    client.force_login(cast.base_staff)
    body = client.get(reverse(URL)).content.decode()
    yi = base_data["people"][1]
    assert f'data-testid="issue-{yi.pk}-{course.pk}"' in body
    assert '<td class="num">3.0</td>' in body  # hours in one decimal
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certification:certificate_batch_new"), {"course": course.pk, "only": yi.pk}
        )
    assert response.status_code == 302
    issued = Certificate.objects.filter(course=course, status=Certificate.Status.VALID)
    assert set(issued.values_list("person__name", flat=True)) == {"甲已发证", "乙待发证"}
    after = client.get(reverse(URL)).context["pending"]
    assert [p["name"] for p in after] == ["丙待发证"]
