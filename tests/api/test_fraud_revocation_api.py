"""D-38 through the API: a revocation for fraud writes its credit records with it, as the page
does; a bad finding refuses the whole call and the certificate stays valid."""

import datetime as dt

import pytest
from django.utils import timezone

from certification.models import AuditEvent, Certificate, CreditRecord
from tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db

FINDING = {
    "kind": "false_training",
    "decision_number": "昆卫监〔2026〕21号",
    "authority": "昆明市卫生健康委员会",
    "decision_date": "2026-11-30",
}


@pytest.fixture
def cert(cast, orgs):
    return CertificateFactory(person=cast.worker, issuer=orgs.base)


def test_a_revocation_for_false_training_records_the_holder_and_the_base(api, cert, orgs):
    response = api.post(
        "base",
        f"/certificates/{cert.serial}/revoke",
        {"reason": "培训未实际开展", "fraud": FINDING},
    )
    assert response.status_code == 200 and response.json()["revoked"] is True
    records = CreditRecord.objects.filter(certificate=cert)
    assert {(r.subject_kind, r.kind) for r in records} == {
        ("person", "false_training"),
        ("organisation", "false_training"),
    }
    assert records.get(subject_kind="organisation").organisation == orgs.base
    assert set(records.values_list("decision_number", flat=True)) == {"昆卫监〔2026〕21号"}


def test_a_plain_revocation_records_nothing(api, cert):
    response = api.post("base", f"/certificates/{cert.serial}/revoke", {"reason": "信息有误"})
    assert response.status_code == 200
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "commendation"},
        {"decision_number": ""},
        {"decision_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
    ],
)
def test_a_bad_finding_refuses_the_call_and_changes_nothing(api, cert, change):
    body = {"reason": "证书造假", "fraud": {**FINDING, **change}}
    response = api.post("base", f"/certificates/{cert.serial}/revoke", body)
    assert response.status_code == 422
    assert Certificate.objects.get(pk=cert.pk).status == Certificate.Status.VALID
    assert not CreditRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate.revoke").exists()


def test_another_base_cannot_revoke_for_fraud(api, cert):
    response = api.post(
        "other_base", f"/certificates/{cert.serial}/revoke", {"reason": "x", "fraud": FINDING}
    )
    assert response.status_code == 404
    assert not CreditRecord.objects.exists()
