"""D-21: revoking the certificate of a holder with no region is scoped by the issuing
organisation's region (it used to crash on holder.region.path)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from certification.models import AuditEvent, Certificate
from certification.services.certificates import certificate_revoke
from tests.factories import PersonFactory


def _cert(issuer, serial):
    holder = PersonFactory(name="周无籍", region=None)
    return Certificate.objects.create(
        kind="training",
        serial=serial,
        verification_code=f"vc-{serial}",
        person=holder,
        issuer=issuer,
        issuer_name=issuer.name if issuer else "外省机构",
        occupation="4-10-01-03",
        issue_date=dt.date(2026, 3, 1),
    )


def test_a_regulator_of_the_issuers_region_revokes_and_it_is_audited_there(cast, orgs, client):
    cert = _cert(orgs.base, "T-NR-1")
    client.force_login(cast.regulator)  # 昆明市, where the issuing base is
    client.post(reverse("certification:certificate_revoke", args=[cert.pk]), {"reason": "资料造假"})
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED
    event = AuditEvent.objects.get(action="certificate.revoke", object_id=str(cert.pk))
    assert event.region_path == orgs.base.region.path


def test_a_regulator_of_another_region_is_refused(cast, orgs, client):
    cert = _cert(orgs.base, "T-NR-2")
    with pytest.raises(PermissionDenied):
        certificate_revoke(actor=cast.other_regulator, certificate=cert, reason="误发")
    client.force_login(cast.other_regulator)
    response = client.post(
        reverse("certification:certificate_revoke", args=[cert.pk]), {"reason": "误发"}
    )
    assert response.status_code == 404
    cert.refresh_from_db()
    assert cert.is_valid


def test_the_issuing_bases_staff_may_revoke(cast, orgs):
    cert = certificate_revoke(
        actor=cast.base_staff, certificate=_cert(orgs.base, "T-NR-3"), reason="误发"
    )
    assert cert.status == Certificate.Status.REVOKED


def test_with_neither_holder_region_nor_issuer_no_regulator_may_revoke(cast):
    cert = _cert(None, "T-NR-4")
    with pytest.raises(PermissionDenied):
        certificate_revoke(actor=cast.regulator, certificate=cert, reason="误发")
    assert Certificate.objects.get(pk=cert.pk).is_valid
