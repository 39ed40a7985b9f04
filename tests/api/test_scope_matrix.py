"""Issue 13 / D-34: every API operation on a person's data, tried with a key of every role —
from the same province but another organisation, and from another province. Only the keys the
relationship names succeed; every other key is refused (403/404, never the data) and the refusal
is audited with the key's prefix."""

from types import SimpleNamespace

import pytest

from certification.api.auth import api_key_create
from certification.models import ApiKey, AuditEvent, Organisation
from certification.models.subsidies import ApplicationStatus
from certification.services.certificates import certificate_issue_training
from tests.api.conftest import bearer
from tests.certification.builders import accredited_course, base_learner, earn
from tests.certification.test_subsidies import submitted
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ALL_KEYS = [
    "inst",  # the worker's employer (Wuhua, Kunming)
    "peer_inst",  # another institution in Kunming
    "other_inst",  # an institution in Lanzhou
    "base",  # the base that trained and certified the worker (Kunming)
    "peer_base",  # another base in Kunming
    "other_base",  # a base in Lanzhou
    "hr",  # HR of Kunming, where the worker applied for a subsidy
    "other_hr",  # HR of Lanzhou
    "reg",  # regulator of Kunming
    "other_reg",  # regulator of Lanzhou
]


@pytest.fixture
def world(cast, orgs, regions, keys, client):
    """The worker: employed by `inst`, trained and certified by `base`, applicant at Kunming HR."""
    keys = dict(keys)
    peer_inst = OrganisationFactory(name="昆明市盘龙区托育园", region=regions.kunming)
    peer_base = OrganisationFactory(
        name="昆明市第二培训基地", region=regions.kunming, kind=Organisation.Kind.TRAINING_BASE
    )
    keys["peer_inst"] = api_key_create(
        actor=None, name="peer inst", role=ApiKey.Role.INSTITUTION, organisation=peer_inst
    )
    keys["peer_base"] = api_key_create(
        actor=None, name="peer base", role=ApiKey.Role.TRAINING_BASE, organisation=peer_base
    )
    course = accredited_course(orgs.base)
    accredited_course(peer_base)  # the peer base is accredited, but for another course
    base_learner(cast.worker, orgs.base, course)
    earn(cast.worker, course, orgs.base)
    certificate = certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    application = submitted(cast)
    employment = cast.worker.employments.get(institution=orgs.institution)

    def call(name, method, path, body=None):
        headers = bearer(keys[name][1])
        if method == "get":
            return client.get(f"/api/v1{path}", **headers)
        return client.post(f"/api/v1{path}", body or {}, content_type="application/json", **headers)

    return SimpleNamespace(
        keys=keys,
        call=call,
        person=cast.worker,
        id_number=cast.worker.reveal_id_number(),
        course=course,
        certificate=certificate,
        application=application,
        employment=employment,
    )


# (operation, allowed keys, request builder). Each request is the in-scope form of the call.
OPERATIONS = [
    (
        "read compliance",
        {"inst", "base", "hr", "reg"},
        lambda w: ("get", f"/persons/{w.person.pk}/compliance", None),
    ),
    (
        "look up by ID number",
        {"inst", "base", "hr", "reg"},
        lambda w: ("post", "/persons/lookup", {"id_number": w.id_number}),
    ),
    (
        "credit hours",
        {"base"},
        lambda w: (
            "post",
            "/hour-entries",
            {
                "person_id": w.person.pk,
                "date": str(w.certificate.issue_date),
                "hours": "1.0",
                "kind": "practice",
                "course_id": w.course.pk,
                "external_ref": "matrix-1",
            },
        ),
    ),
    (
        "revoke the certificate",
        {"base", "reg"},
        lambda w: ("post", f"/certificates/{w.certificate.serial}/revoke", {"reason": "矩阵测试"}),
    ),
    (
        "end the employment",
        {"inst"},
        lambda w: ("post", f"/employments/{w.employment.pk}/end", {"end_date": "2026-11-30"}),
    ),
    (
        "correct the employment's insurance months",
        {"inst"},
        lambda w: (
            "post",
            f"/employments/{w.employment.pk}/terms",
            {"ui_contribution_months": 30, "has_labour_contract": True},
        ),
    ),
    (
        "move the employee to another role",
        {"inst"},
        lambda w: (
            "post",
            f"/employments/{w.employment.pk}/transfer",
            {"role": "director", "start_date": "2026-11-30"},
        ),
    ),
    (
        "decide the subsidy application",
        {"hr"},
        lambda w: (
            "post",
            f"/subsidy-applications/{w.application.pk}/decision",
            {"decision": "reject", "reason": "矩阵测试"},
        ),
    ),
]


@pytest.mark.parametrize(
    ("operation", "allowed", "build"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
)
@pytest.mark.parametrize("key_name", ALL_KEYS)
def test_only_related_keys_reach_a_person(world, operation, allowed, build, key_name):
    method, path, body = build(world)
    refusals_before = AuditEvent.objects.filter(action="api.refused").count()

    response = world.call(key_name, method, path, body)

    if key_name in allowed:
        assert response.status_code in (200, 201), (key_name, response.content)
        return
    assert response.status_code in (403, 404), (key_name, response.status_code)
    assert world.person.name not in response.content.decode()
    refusal = AuditEvent.objects.filter(action="api.refused").order_by("-id").first()
    assert AuditEvent.objects.filter(action="api.refused").count() == refusals_before + 1
    assert refusal.data["api_key"] == world.keys[key_name][0].prefix
    assert refusal.data["status"] == response.status_code


@pytest.mark.parametrize("key_name", ALL_KEYS)
def test_lists_hold_only_what_the_relationship_names(world, key_name):
    certificates = world.call(key_name, "get", "/certificates").json()
    serials = {c["serial"] for c in certificates.get("items", [])}
    # HR sees an applicant's certificates: the application cites one (D-28).
    related = {"inst", "base", "hr", "reg"}
    assert (world.certificate.serial in serials) == (key_name in related), key_name

    if key_name in {"hr", "other_hr"}:
        apps = world.call(key_name, "get", "/subsidy-applications").json()["items"]
        assert (world.application.pk in {a["id"] for a in apps}) == (key_name == "hr")
    if key_name in {"inst", "peer_inst", "other_inst"}:
        jobs = world.call(key_name, "get", "/employments").json()["items"]
        assert (world.employment.pk in {e["id"] for e in jobs}) == (key_name == "inst")


def test_the_decided_application_really_changed_only_for_the_in_scope_key(world):
    for name in ALL_KEYS:
        if name != "hr":
            world.call(
                name,
                "post",
                f"/subsidy-applications/{world.application.pk}/decision",
                {"decision": "reject", "reason": "越权"},
            )
    world.application.refresh_from_db()
    assert world.application.status == ApplicationStatus.SUBMITTED
