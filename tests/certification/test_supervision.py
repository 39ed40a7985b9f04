"""D-39 training-base supervision: the implausibility rules at their edges, the indicators on a
small known dataset, an audited suspension that stops issuing until reinstated, and refusals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from certification.models import (
    Accreditation,
    AccreditationDecision,
    AssessmentResult,
    AuditEvent,
    Certificate,
    CreditRecord,
    Organisation,
)
from certification.rules.supervision import (
    MAX_HOURS_PER_DAY,
    MIN_LEARNERS,
    ClassFacts,
    all_passed_same_score,
    class_flags,
    full_attendance_identical_scores,
    hours_over_daily_limit,
    hours_over_schedule,
    pass_rate,
    zero_variance,
)
from certification.selectors.supervision import base_indicators, flagged_classes
from certification.services.certificates import (
    CertificateRefused,
    certificate_batch_create,
    certificate_issue_training,
)
from certification.services.supervision import accreditation_decide
from cms.demo import demo_steps
from cms.models import User
from lms.models import Attendance, ClassEnrolment, ClassSession
from tests.certification.builders import earn, make_course
from tests.factories import (
    AccreditationDecisionFactory,
    AccreditationFactory,
    CertificateFactory,
    HourEntryFactory,
    PersonFactory,
    UserFactory,
    membership,
)

# --- the pure rules ---------------------------------------------------------------------------


def facts(**kw) -> ClassFacts:
    fields = {
        "enrolled": MIN_LEARNERS,
        "present": MIN_LEARNERS - 1,
        "scored": MIN_LEARNERS,
        "distinct_scores": 2,
        "passed": MIN_LEARNERS - 1,
        "credited_hours": Decimal("2.0"),
        "scheduled_hours": Decimal("2.0"),
        "max_daily_hours": Decimal("2.0"),
    }
    fields.update(kw)
    return ClassFacts(**fields)


def test_a_plausible_class_raises_no_flag():
    assert class_flags(facts()) == []


def test_identical_scores_flag_from_the_minimum_number_of_learners():
    assert zero_variance(facts(scored=MIN_LEARNERS - 1, distinct_scores=1)) is None
    flag = zero_variance(facts(scored=MIN_LEARNERS, distinct_scores=1))
    assert flag.code == "zero_variance" and f"{MIN_LEARNERS} 名学员" in flag.message
    assert zero_variance(facts(distinct_scores=2)) is None


def test_full_attendance_with_identical_scores_needs_everyone_present():
    same = {"distinct_scores": 1}
    assert full_attendance_identical_scores(facts(present=MIN_LEARNERS - 1, **same)) is None
    assert full_attendance_identical_scores(facts(present=MIN_LEARNERS, **same)).code == (
        "full_attendance_identical"
    )
    small = {"enrolled": MIN_LEARNERS - 1, "present": MIN_LEARNERS - 1}
    assert full_attendance_identical_scores(facts(**small, **same)) is None


def test_everyone_passing_with_one_score_needs_every_scored_learner_passed():
    same = {"distinct_scores": 1}
    assert all_passed_same_score(facts(passed=MIN_LEARNERS - 1, **same)) is None
    assert all_passed_same_score(facts(passed=MIN_LEARNERS, **same)).code == (
        "all_passed_same_score"
    )
    assert all_passed_same_score(facts(passed=MIN_LEARNERS)) is None  # scores differ


def test_hours_beyond_the_schedule_flag_only_above_the_class_length():
    assert hours_over_schedule(facts(credited_hours=Decimal("2.0"))) is None
    flag = hours_over_schedule(facts(credited_hours=Decimal("2.1")))
    assert "2.1" in flag.message and "2.0" in flag.message


def test_more_than_eight_hours_a_day_flags_only_above_eight():
    assert MAX_HOURS_PER_DAY == Decimal("8")
    assert hours_over_daily_limit(facts(max_daily_hours=Decimal("8.0"))) is None
    assert hours_over_daily_limit(facts(max_daily_hours=Decimal("8.1"))).code == (
        "hours_over_daily_limit"
    )


def test_pass_rate_is_none_without_results_and_rounded_otherwise():
    assert pass_rate(0, 0) is None
    assert pass_rate(5, 6) == Decimal("83.3")
    assert pass_rate(6, 6) == Decimal("100.0")


# --- indicators on a known dataset ------------------------------------------------------------

CLASS_DAY = dt.date(2026, 11, 2)


def _class(base, course, learners, *, present=None, hours="2.0", title="保育实操一班"):
    start = timezone.make_aware(dt.datetime.combine(CLASS_DAY, dt.time(9, 0)))
    session = ClassSession.objects.create(
        training_base=base,
        course=course,
        title=title,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        hours=Decimal(hours),
        hour_kind="practice",
        capacity=30,
        status=ClassSession.Status.FINALISED,
    )
    present = learners if present is None else present
    for person in learners:
        ClassEnrolment.objects.create(session=session, person=person)
        Attendance.objects.create(session=session, person=person, present=person in present)
    return session


def _score(person, course, base, score, *, kind="practical", pass_mark=60):
    return AssessmentResult.objects.create(
        person=person,
        course=course,
        training_base=base,
        kind=kind,
        score=Decimal(score),
        passed=Decimal(score) >= pass_mark,
        assessed_on=CLASS_DAY,
    )


@pytest.fixture
def dataset(cast, orgs):
    """Five learners in one finalised class of the Kunming base, all present, all scored 90 on
    the practical; one also failed the theory test (40). Hours: 2 h each on the class day plus
    1 h for the first learner on another day. Certificates: 3 by one staff member, 2 by another."""
    course = make_course()
    AccreditationFactory(training_base=orgs.base).courses.add(course)
    learners = [PersonFactory(name=f"学员{i}") for i in range(MIN_LEARNERS)]
    session = _class(orgs.base, course, learners)
    for person in learners:
        _score(person, course, orgs.base, "90")
        HourEntryFactory(
            person=person,
            date=CLASS_DAY,
            hours=Decimal("2.0"),
            course=course,
            training_base=orgs.base,
        )
    _score(learners[0], course, orgs.base, "40", kind="theory")
    HourEntryFactory(
        person=learners[0],
        date=CLASS_DAY + dt.timedelta(days=1),
        hours=Decimal("1.0"),
        course=course,
        training_base=orgs.base,
    )
    second_staff = UserFactory(email="base-b@example.test", display_name="第二发证人")
    for n, issuer in enumerate([cast.base_staff] * 3 + [second_staff] * 2):
        CertificateFactory(issuer=orgs.base, issued_by=issuer, person=learners[n])
    # Another base, outside the Kunming regulator's region, with a plausible class.
    _class(orgs.other_base, course, learners[:2], title="兰州班")
    return course, learners, session


def test_indicators_of_a_base_are_exact(dataset, orgs):
    row = base_indicators(Organisation.objects.filter(pk=orgs.base.pk)).get()
    assert (row.results, row.passed, row.pass_rate) == (6, 5, Decimal("83.3"))
    assert (row.hours, row.learner_days) == (Decimal("11.0"), 6)
    assert row.hours_per_learner_day == Decimal("1.83")
    assert (row.certificates, row.issuers, row.certificates_per_issuer) == (5, 2, Decimal("2.5"))
    empty = base_indicators(Organisation.objects.filter(pk=orgs.other_base.pk)).get()
    assert empty.pass_rate is None and empty.hours_per_learner_day is None


def test_the_uniform_class_is_flagged_and_the_other_base_is_not(dataset, orgs):
    _course, _learners, session = dataset
    flagged = flagged_classes([orgs.base.pk, orgs.other_base.pk])
    assert [s.pk for s, _flags in flagged] == [session.pk]
    codes = {f.code for f in flagged[0][1]}
    assert codes == {
        "practical:full_attendance_identical",
        "practical:all_passed_same_score",
        "practical:zero_variance",
    }


def test_hours_beyond_a_day_and_beyond_the_schedule_are_flagged(cast, orgs):
    course = make_course()
    learners = [PersonFactory() for _ in range(2)]
    session = _class(orgs.base, course, learners, hours="3.0")
    HourEntryFactory(
        person=learners[0], date=CLASS_DAY, hours=Decimal("3.0"), training_base=orgs.base
    )
    HourEntryFactory(
        person=learners[0], date=CLASS_DAY, hours=Decimal("5.5"), training_base=orgs.base
    )
    HourEntryFactory(
        person=learners[1], date=CLASS_DAY, hours=Decimal("8.0"), training_base=orgs.base
    )
    [(row, flags)] = flagged_classes([orgs.base.pk])
    assert row.pk == session.pk and row.max_daily_hours == Decimal("8.5")
    assert {f.code for f in flags} == {"hours_over_schedule", "hours_over_daily_limit"}


def test_the_regulator_sees_the_bases_of_the_region_with_flags(client, dataset, cast, orgs):
    client.force_login(cast.regulator)
    page = client.get(reverse("certification:supervision_bases")).content.decode()
    assert orgs.base.name in page and orgs.other_base.name not in page
    assert "83.3%" in page and "1.83" in page and "2.5" in page and "1 个异常" in page
    detail = client.get(reverse("certification:supervision_base", args=[orgs.base.pk]))
    text = detail.content.decode()
    assert "保育实操一班" in text and "全部出勤且成绩一模一样" in text
    assert "第二发证人" in text


def test_a_province_regulator_sees_the_citys_base(client, dataset, orgs, regions):
    provincial = UserFactory(email="prov@example.test")
    membership(provincial, "regulator", region_obj=regions.yunnan)
    client.force_login(provincial)
    assert (
        client.get(reverse("certification:supervision_base", args=[orgs.base.pk])).status_code
        == 200
    )


def test_others_are_refused_and_audited(client, cast, orgs):
    client.force_login(cast.other_regulator)
    assert (
        client.get(reverse("certification:supervision_base", args=[orgs.base.pk])).status_code
        == 403
    )
    client.force_login(cast.base_staff)
    assert client.get(reverse("certification:supervision_bases")).status_code == 403
    attempted = {e.data["attempted"] for e in AuditEvent.objects.filter(action="access.denied")}
    assert attempted == {"supervision.view", "supervision.list"}


# --- suspension ---------------------------------------------------------------------------------


def _decide(actor, accreditation, action, number="卫监〔2026〕7号"):
    return accreditation_decide(
        actor=actor,
        accreditation=accreditation,
        action=action,
        decision_number=number,
        reason="班次成绩雷同，暂停核查",
        decided_on=dt.date(2026, 11, 20),
    )


def test_a_suspension_is_recorded_audited_and_stops_issuing_until_reinstated(cast, orgs):
    course = make_course()
    accreditation = AccreditationFactory(training_base=orgs.base)
    accreditation.courses.add(course)
    earn(cast.worker, course, orgs.base)
    decision = _decide(cast.regulator, accreditation, "suspend")
    accreditation.refresh_from_db()
    assert accreditation.status == "suspended"
    assert (decision.from_status, decision.to_status) == ("active", "suspended")
    event = AuditEvent.objects.get(action="accreditation.suspend")
    assert event.data["decision_number"] == "卫监〔2026〕7号" and event.actor == cast.regulator

    with pytest.raises(CertificateRefused) as exc:
        certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    assert exc.value.reasons == [
        "本基地该课程的培训资质已被卫生健康部门暂停或撤销（决定文号：卫监〔2026〕7号），"
        "暂停期间不能发证。"
    ]
    with pytest.raises(CertificateRefused):
        certificate_batch_create(
            actor=cast.base_staff,
            training_base=orgs.base,
            course=course,
            person_ids=[cast.worker.pk],
        )

    _decide(cast.regulator, accreditation, "reinstate", number="卫监〔2026〕9号")
    assert AuditEvent.objects.filter(action="accreditation.reinstate").count() == 1
    cert = certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    assert cert.issuer == orgs.base


def test_a_suspension_enters_the_base_credit_record_and_its_public_summary(client, cast, orgs):
    accreditation = AccreditationFactory(training_base=orgs.base)
    _decide(cast.regulator, accreditation, "suspend")
    _decide(cast.regulator, accreditation, "reinstate", number="卫监〔2026〕9号")

    record = CreditRecord.objects.get(organisation=orgs.base)  # the reinstatement adds none
    assert (record.kind, record.decision_number) == ("other_violation", "卫监〔2026〕7号")
    assert record.decision_date == dt.date(2026, 11, 20)
    assert "班次成绩雷同" in record.summary
    page = client.get(
        reverse("certification:credit_public_organisation", args=[orgs.base.credit_code])
    )
    assert "卫监〔2026〕7号" in page.content.decode()


def test_a_refused_decision_leaves_no_credit_record(cast, orgs):
    accreditation = AccreditationFactory(training_base=orgs.base)
    _decide(cast.regulator, accreditation, "withdraw")
    with pytest.raises(ValidationError):
        _decide(cast.regulator, accreditation, "suspend", number="卫监〔2026〕8号")
    assert list(
        CreditRecord.objects.filter(organisation=orgs.base).values_list(
            "decision_number", flat=True
        )
    ) == ["卫监〔2026〕7号"]


def test_a_withdrawn_accreditation_cannot_be_reinstated(cast, orgs):
    accreditation = AccreditationFactory(training_base=orgs.base)
    _decide(cast.regulator, accreditation, "withdraw")
    with pytest.raises(ValidationError):
        _decide(cast.regulator, accreditation, "reinstate")
    with pytest.raises(ValidationError):
        _decide(cast.regulator, accreditation, "suspend")
    assert AccreditationDecision.objects.filter(accreditation=accreditation).count() == 1


def test_a_decision_needs_a_number_and_a_reason(cast, orgs):
    accreditation = AccreditationFactory(training_base=orgs.base)
    with pytest.raises(ValidationError) as exc:
        accreditation_decide(
            actor=cast.regulator,
            accreditation=accreditation,
            action="suspend",
            decision_number=" ",
            reason="",
            decided_on=dt.date(2026, 11, 20),
        )
    assert set(exc.value.message_dict) == {"decision_number", "reason"}
    assert Accreditation.objects.get(pk=accreditation.pk).status == "active"


def test_a_regulator_of_another_region_cannot_suspend_and_is_audited(client, cast, orgs):
    accreditation = AccreditationFactory(training_base=orgs.base)
    with pytest.raises(PermissionDenied):
        _decide(cast.other_regulator, accreditation, "suspend")
    client.force_login(cast.base_staff)
    resp = client.post(
        reverse("certification:accreditation_decide", args=[accreditation.pk]),
        {f"a{accreditation.pk}-action": "suspend"},
    )
    assert resp.status_code == 403
    assert Accreditation.objects.get(pk=accreditation.pk).status == "active"
    attempted = [e.data["attempted"] for e in AuditEvent.objects.filter(action="access.denied")]
    assert attempted == ["accreditation.decide", "accreditation.decide"]


def test_the_regulator_suspends_through_the_page_and_the_base_sees_why(client, cast, orgs):
    course = make_course()
    accreditation = AccreditationFactory(
        training_base=orgs.base, document_number="云卫资〔2025〕3号"
    )
    accreditation.courses.add(course)
    earn(cast.worker, course, orgs.base)
    client.force_login(cast.regulator)
    prefix = f"a{accreditation.pk}"
    resp = client.post(
        reverse("certification:accreditation_decide", args=[accreditation.pk]),
        {
            f"{prefix}-action": "suspend",
            f"{prefix}-decision_number": "卫监〔2026〕12号",
            f"{prefix}-decided_on": "2026-11-20",
            f"{prefix}-reason": "班次成绩雷同",
        },
        follow=True,
    )
    assert "已记录决定 卫监〔2026〕12号" in resp.content.decode()
    client.force_login(cast.base_staff)
    page = client.get(reverse("certification:certificate_batch_new"), {"course": course.pk})
    text = page.content.decode()
    assert "已暂停" in text and "卫监〔2026〕12号" in text and "班次成绩雷同" in text
    resp = client.post(
        reverse("certification:certificate_batch_new"),
        {"course": course.pk, "only": cast.worker.pk},
        follow=True,
    )
    assert "暂停期间不能发证" in resp.content.decode()
    assert not Certificate.objects.filter(person=cast.worker).exists()


def test_the_base_dashboard_says_the_base_is_suspended(client, cast, orgs):
    accreditation = AccreditationFactory(training_base=orgs.base, status="suspended")
    AccreditationDecisionFactory(
        accreditation=accreditation, decided_by=cast.regulator, decision_number="卫监〔2026〕30号"
    )
    client.force_login(cast.base_staff)
    text = client.get(reverse("lms:base_dashboard")).content.decode()
    assert "卫监〔2026〕30号" in text and "不能发证" in text


# --- demo -------------------------------------------------------------------------------------

DEMO_STEPS = {
    "regions, organisations, people and accounts",
    "learning",
    "offline classes",
    "training-base supervision",
}


@pytest.fixture
def _forget_site_roots():
    """The demo moves the site root; the rollback does not reach Wagtail's cached root paths."""
    yield
    Site.clear_site_root_paths_cache()


def test_the_demo_province_regulator_sees_one_base_with_a_flagged_class(
    client, db, _forget_site_roots
):
    for _round in range(2):  # loading twice adds nothing
        for step in demo_steps():
            if step.name in DEMO_STEPS:
                step.func(lambda _msg: None)
    client.force_login(User.objects.get(email="reg@demo.carecert.cn"))
    page = client.get(reverse("certification:supervision_bases")).content.decode()
    assert "云南省托育服务培训基地（昆明）" in page and "1 个异常" in page
    base = Organisation.objects.get(name="云南省托育服务培训基地（昆明）")
    detail = client.get(reverse("certification:supervision_base", args=[base.pk])).content.decode()
    assert "成绩雷同" in detail and "全部出勤且成绩一模一样" in detail
