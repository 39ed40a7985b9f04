"""D-32 resources through HTTP: persons, employments, hour entries, compliance, certificates,
subsidy applications — grants, scope denials, role denials and 422 field errors."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from certification.models import (
    AuditEvent,
    BanCheck,
    BanEntry,
    Certificate,
    CycleSummary,
    Employment,
    HourEntry,
    Person,
)
from certification.models.subsidies import ApplicationStatus, SubsidyApplication
from certification.services import subsidies as subsidy_svc
from certification.services.ban_register import ban_create
from cms.choices import WorkerRole
from tests.certification.builders import accredited_course, base_learner, earn
from tests.factories import AccreditationFactory, CertificateFactory, PersonFactory, new_id_number

_n = itertools.count(1)


def field_errors(response) -> set[str]:
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_payload"
    return {e["field"] for e in response.json()["errors"]}


# ---- persons -----------------------------------------------------------------------------


def test_an_institution_registers_a_person_and_gets_the_id_back_masked(api, orgs):
    number = new_id_number()
    response = api.post("inst", "/persons", {"id_number": number, "name": "陈新人"})
    assert response.status_code == 201
    body = response.json()
    assert number not in response.content.decode() and body["id_masked"].count("*") >= 8
    person = Person.objects.get(pk=body["id"])
    assert person.reveal_id_number() == number and person.region == orgs.institution.region
    event = AuditEvent.objects.get(action="person.create", object_id=str(person.pk))
    assert event.actor.email.startswith("api-key-") and number not in str(event.data)


def test_a_person_with_an_invalid_id_number_is_not_registered(api):
    good = new_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # a wrong check character
    assert "id_number" in field_errors(
        api.post("inst", "/persons", {"id_number": bad, "name": "陈新人"})
    )
    assert "id_number" in field_errors(
        api.post("inst", "/persons", {"id_number": "12345", "name": "陈新人"})
    )
    assert not Person.objects.filter(name="陈新人").exists()


def test_registering_a_registered_number_does_not_tell_it_exists_and_grants_nothing(api, cast):
    """Issue 13: no "already registered" oracle. The same ID and name answer as a registration
    does; the key still cannot read the person without a relationship."""
    number = cast.other_worker.reveal_id_number()  # registered in Lanzhou
    again = api.post("reg", "/persons", {"id_number": number, "name": "赵外地"})
    fresh = api.post("reg", "/persons", {"id_number": new_id_number(), "name": "陈新人"})
    assert again.status_code == fresh.status_code == 201
    assert set(again.json()) == set(fresh.json())
    assert "已登记" not in again.content.decode()
    assert api.get("reg", f"/persons/{again.json()['id']}/compliance").status_code == 404
    assert Person.objects.filter(name="赵外地").count() == 1


def test_a_registered_number_with_another_name_is_a_name_error_as_on_the_hiring_page(api, cast):
    twice = api.post(
        "reg", "/persons", {"id_number": cast.worker.reveal_id_number(), "name": "王某某"}
    )
    assert set(field_errors(twice)) == {"name"}
    assert "王保育" not in twice.content.decode()


def test_registering_in_a_region_outside_the_key_is_refused(api):
    elsewhere = api.post(
        "reg", "/persons", {"id_number": new_id_number(), "name": "陈新人", "region_code": "620100"}
    )
    assert "region_code" in field_errors(elsewhere)


def test_a_person_payload_missing_fields_is_answered_with_each_field(api):
    assert field_errors(api.post("inst", "/persons", {"name": ""})) >= {"id_number", "name"}


def test_an_hr_key_may_not_register_people(api):
    response = api.post("hr", "/persons", {"id_number": new_id_number(), "name": "陈新人"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


# ---- employments -------------------------------------------------------------------------


def test_an_institution_hires_a_registered_person_after_the_ban_check(api, orgs):
    person = PersonFactory(name="孙应聘")
    response = api.post(
        "inst",
        "/employments",
        {
            "id_number": person.reveal_id_number(),
            "name": "孙应聘",
            "role": "caregiver",
            "start_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["person"]["id_masked"] == person.id_masked
    assert Employment.objects.filter(person=person, institution=orgs.institution).exists()
    assert BanCheck.objects.filter(purpose="hiring", id_index=person.id_index).exists()
    roster = api.get("inst", "/employments").json()
    assert person.pk in {row["person"]["id"] for row in roster["items"]}


def test_hiring_a_banned_person_is_refused_without_details(api, cast, regions, orgs):
    number = new_id_number()
    person = PersonFactory(id_number=number, name="某某")
    ban_create(
        actor=cast.regulator,
        id_type="resident",
        id_number=number,
        name="某某",
        region=regions.kunming,
        ban_type=BanEntry.BanType.LIFETIME,
        reason_category=BanEntry.Reason.ABUSE,
        decision_number="（2026）云01刑初9号",
        authority="昆明市中级人民法院",
        effective_date=dt.date(2026, 1, 1),
        reason_detail="殴打幼儿",
    )
    response = api.post(
        "inst",
        "/employments",
        {"id_number": number, "name": "某某", "role": "caregiver", "start_date": "2026-03-01"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "person_banned"
    assert "殴打" not in response.content.decode()
    assert not Employment.objects.filter(person=person).exists()
    assert BanCheck.objects.filter(purpose="hiring", result="hit").exists()


def test_an_employment_payload_with_a_bad_role_and_date_is_answered_422(api, cast):
    response = api.post(
        "inst",
        "/employments",
        {
            "id_number": cast.worker.reveal_id_number(),
            "name": "王保育",
            "role": "janitor",
            "start_date": "1900-01-01",
        },
    )
    assert field_errors(response) >= {"role", "start_date"}


def test_the_employment_roster_is_the_keys_own_institution_only(api, cast):
    own = api.get("inst", "/employments").json()
    assert {row["person"]["id"] for row in own["items"]} == {cast.worker.pk, cast.director.pk}
    other = api.get("other_inst", "/employments").json()
    assert {row["person"]["id"] for row in other["items"]} == {cast.other_worker.pk}


def test_a_training_base_key_cannot_use_the_institution_endpoints(api, cast):
    assert api.get("base", "/employments").status_code == 403
    hire = api.post(
        "base",
        "/employments",
        {
            "id_number": cast.worker.reveal_id_number(),
            "name": "王保育",
            "role": "caregiver",
            "start_date": "2026-03-01",
        },
    )
    assert hire.status_code == 403


def test_lists_are_paginated_in_a_stable_order(api, orgs):
    for _ in range(5):
        Employment.objects.create(
            person=PersonFactory(),
            institution=orgs.institution,
            role=WorkerRole.CAREGIVER,
            start_date=dt.date(2025, 1, 1),
        )
    first = api.get("inst", "/employments", page_size=3, page=1).json()
    second = api.get("inst", "/employments", page_size=3, page=2).json()
    assert first["count"] == second["count"] == 7
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 6
    assert "page_size" in field_errors(api.get("inst", "/employments", page_size=1000))


# ---- hour entries and compliance ---------------------------------------------------------


@pytest.fixture
def taught(cast, orgs):
    """A course both bases are accredited for; the cast's caregiver is a learner of `base`."""
    course = accredited_course(orgs.base)
    AccreditationFactory(training_base=orgs.other_base).courses.add(course)
    base_learner(cast.worker, orgs.base, course)
    return course


def attendance(person, ref="att-1", hours="3.5", course=None, **extra):
    return {
        "person_id": person.pk,
        "course_id": course.pk if course else None,
        "date": timezone.localdate().isoformat(),
        "hours": hours,
        "kind": "practice",
        "external_ref": ref,
        **extra,
    }


def test_a_training_base_pushes_attendance_hours_once_per_reference(api, cast, orgs, taught):
    first = api.post("base", "/hour-entries", attendance(cast.worker, course=taught))
    assert first.status_code == 201, first.content
    assert first.json()["hours"] == "3.5" and first.json()["replayed"] is False
    again = api.post("base", "/hour-entries", attendance(cast.worker, course=taught))
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["id"] == first.json()["id"]
    entry = HourEntry.objects.get(person=cast.worker)
    assert entry.training_base == orgs.base and entry.source == "offline"
    summary = CycleSummary.objects.get(person=cast.worker, role="caregiver")
    assert summary.practice_hours == Decimal("3.5")


def test_two_bases_may_use_the_same_reference_without_colliding(api, cast, orgs, regions, taught):
    visitor = PersonFactory(region=regions.kunming)
    Employment.objects.create(
        person=visitor,
        institution=orgs.other_institution,
        role=WorkerRole.CAREGIVER,
        start_date=dt.date(2025, 1, 1),
    )
    base_learner(visitor, orgs.base, taught)
    base_learner(visitor, orgs.other_base, taught)
    assert (
        api.post("base", "/hour-entries", attendance(visitor, course=taught, hours="1")).status_code
        == 201
    )
    assert (
        api.post(
            "other_base", "/hour-entries", attendance(visitor, course=taught, hours="2")
        ).status_code
        == 201
    )
    assert HourEntry.objects.filter(person=visitor).count() == 2


def test_hours_beyond_the_daily_cap_are_not_credited(api, cast, taught):
    api.post("base", "/hour-entries", attendance(cast.worker, course=taught, ref="a", hours="8"))
    capped = api.post(
        "base", "/hour-entries", attendance(cast.worker, course=taught, ref="b", hours="8")
    )
    assert capped.status_code in (200, 201)
    assert Decimal(capped.json()["hours"]) < Decimal("8") and capped.json()["capped"] is True


def test_a_base_of_another_region_cannot_push_hours_for_the_person(api, cast, taught):
    response = api.post("other_base", "/hour-entries", attendance(cast.worker, course=taught))
    assert response.status_code == 404
    assert not HourEntry.objects.filter(person=cast.worker).exists()


def test_an_institution_key_cannot_push_hours(api, cast, taught):
    assert (
        api.post("inst", "/hour-entries", attendance(cast.worker, course=taught)).status_code == 403
    )


def test_bad_hour_payloads_are_answered_422_with_the_fields(api, cast, taught):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = api.post(
        "base",
        "/hour-entries",
        attendance(
            cast.worker,
            course=taught,
            hours="0",
            kind="sleep",
            date=tomorrow,
            external_ref="bad ref!",
        ),
    )
    assert field_errors(response) >= {"hours", "kind", "date", "external_ref"}
    assert "hours" in field_errors(
        api.post("base", "/hour-entries", attendance(cast.worker, course=taught, hours="1.25"))
    )


def test_a_persons_compliance_is_answered_per_role_from_the_cycle_summary(api, cast, taught):
    api.post("base", "/hour-entries", attendance(cast.worker, course=taught, hours="6"))
    response = api.get("inst", f"/persons/{cast.worker.pk}/compliance")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person"]["id_masked"] == cast.worker.id_masked
    caregiver = next(r for r in body["roles"] if r["role"] == "caregiver")
    assert Decimal(caregiver["practice_hours"]) == Decimal("6")
    assert Decimal(caregiver["required_total"]) > 0 and caregiver["status"]
    assert api.get("reg", f"/persons/{cast.worker.pk}/compliance").status_code == 200


def test_another_region_or_institution_is_denied_a_persons_compliance(api, cast):
    for key in ("other_inst", "other_reg", "other_hr", "other_base"):
        response = api.get(key, f"/persons/{cast.worker.pk}/compliance")
        assert response.status_code == 404, key
    assert api.get("inst", f"/persons/{cast.other_worker.pk}/compliance").status_code == 404
    assert api.get("inst", "/persons/99999999999/compliance").status_code == 422


# ---- certificates ------------------------------------------------------------------------


@pytest.fixture
def course(orgs):
    return accredited_course(orgs.base)


def test_a_training_base_issues_a_certificate_that_verifies_by_code(api, cast, orgs, course):
    earn(cast.worker, course, orgs.base)
    response = api.post(
        "base", "/certificates", {"person_id": cast.worker.pk, "course_id": course.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["serial"].startswith("TC-") and body["holder_name"] == "王保育"
    cert = Certificate.objects.get(serial=body["serial"])
    assert cert.issuer == orgs.base
    verified = api.get("reg", f"/certificates/verify/{body['verification_code']}")
    assert verified.json()["serial"] == body["serial"] and verified.json()["revoked"] is False


def test_an_ineligible_person_is_refused_a_certificate_with_every_reason(api, cast, orgs, course):
    base_learner(cast.worker, orgs.base, course)
    response = api.post(
        "base", "/certificates", {"person_id": cast.worker.pk, "course_id": course.pk}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not_eligible"
    assert len(response.json()["errors"]) >= 2
    assert not Certificate.objects.filter(person=cast.worker).exists()


def test_an_institution_key_cannot_issue_certificates(api, cast, course):
    response = api.post(
        "inst", "/certificates", {"person_id": cast.worker.pk, "course_id": course.pk}
    )
    assert response.status_code == 403


@pytest.fixture
def issued(cast, orgs):
    return CertificateFactory(person=cast.worker, issuer=orgs.base, issue_date=dt.date(2026, 3, 1))


def test_the_issuing_base_revokes_a_certificate_with_a_reason(api, issued):
    response = api.post("base", f"/certificates/{issued.serial}/revoke", {"reason": "考核舞弊"})
    assert response.status_code == 200, response.content
    assert response.json()["revoked"] is True
    issued.refresh_from_db()
    assert issued.status == "revoked" and issued.revocation_reason == "考核舞弊"
    assert "reason" in field_errors(
        api.post("base", f"/certificates/{issued.serial}/revoke", {"reason": "   "})
    )


def test_others_cannot_revoke_a_certificate(api, issued):
    assert (
        api.post("other_base", f"/certificates/{issued.serial}/revoke", {"reason": "x"}).status_code
        == 404
    )
    assert (
        api.post("other_reg", f"/certificates/{issued.serial}/revoke", {"reason": "x"}).status_code
        == 404
    )
    # The employer sees its worker's certificate but only the issuer or a regulator may revoke.
    assert (
        api.post("inst", f"/certificates/{issued.serial}/revoke", {"reason": "x"}).status_code
        == 403
    )
    issued.refresh_from_db()
    assert issued.status == "valid"
    assert (
        api.post("reg", f"/certificates/{issued.serial}/revoke", {"reason": "监管撤销"}).status_code
        == 200
    )


# ---- subsidy applications ----------------------------------------------------------------


def submitted_application(cast):
    cert = Certificate.objects.create(
        kind="skill_level",
        serial=f"SL-API-{next(_n):05d}",
        verification_code=f"vc-{next(_n)}",
        person=cast.worker,
        issuer_name="测试基地",
        occupation="4-10-01-03",
        level=4,
        issue_date=timezone.localdate() - dt.timedelta(days=30),
    )
    app = subsidy_svc.application_create(
        actor=cast.worker_user, person=cast.worker, certificate=cert, subsidy_type="evaluation"
    )
    return subsidy_svc.application_submit(
        actor=cast.worker_user, application=app, pledge_confirmed=True
    )


def test_an_hr_key_lists_its_regions_applications(api, cast):
    app = submitted_application(cast)
    listed = api.get("hr", "/subsidy-applications", status="submitted").json()
    assert [row["id"] for row in listed["items"]] == [app.pk]
    assert listed["items"][0]["person"]["id_masked"] == cast.worker.id_masked
    assert api.get("other_hr", "/subsidy-applications").json()["count"] == 0
    assert api.get("reg", "/subsidy-applications").json()["count"] == 1
    assert api.get("inst", "/subsidy-applications").status_code == 403


def test_an_hr_key_decides_once_and_a_second_decision_is_a_conflict(api, cast):
    app = submitted_application(cast)
    path = f"/subsidy-applications/{app.pk}/decision"
    response = api.post("hr", path, {"decision": "approve_notice"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ApplicationStatus.NOTICE
    app.refresh_from_db()
    reviewer = get_user_model().objects.get(pk=app.reviewer_id)
    assert reviewer.email.startswith("api-key-") and not reviewer.has_usable_password()
    assert not reviewer.is_active
    again = api.post("hr", path, {"decision": "reject", "reason": "重复"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    early = api.post("hr", path, {"decision": "approve"})
    assert early.status_code == 422  # the public notice has not ended


def test_a_rejection_needs_a_reason(api, cast):
    app = submitted_application(cast)
    response = api.post("hr", f"/subsidy-applications/{app.pk}/decision", {"decision": "reject"})
    assert response.status_code == 422
    assert SubsidyApplication.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED


def test_only_hr_keys_of_the_region_decide(api, cast):
    app = submitted_application(cast)
    path = f"/subsidy-applications/{app.pk}/decision"
    assert api.post("reg", path, {"decision": "approve_notice"}).status_code == 403
    assert api.post("other_hr", path, {"decision": "approve_notice"}).status_code == 404
    assert "decision" in field_errors(api.post("hr", path, {"decision": "maybe"}))
    assert SubsidyApplication.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED


def test_a_revoked_training_base_key_can_no_longer_push_hours(api, keys, cast, taught):
    from certification.api.auth import api_key_revoke

    api_key_revoke(actor=None, key=keys["base"][0])
    response = api.post("base", "/hour-entries", attendance(cast.worker, course=taught))
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert not HourEntry.objects.filter(person=cast.worker).exists()


def test_a_field_error_message_is_plain_text_not_a_python_list(api, cast):
    response = api.post(
        "reg", "/persons", {"id_number": cast.worker.reveal_id_number(), "name": "王某某"}
    )
    error = response.json()["errors"][0]
    assert error == {
        "field": "name",
        "message": "姓名与证件号码登记信息不一致。",
        "type": "name_mismatch",
    }
