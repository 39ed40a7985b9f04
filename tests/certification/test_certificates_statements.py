"""D-18/D-19: cycle-completion statements (idempotent task) and skill-level records."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from certification.models import Certificate, CycleSummary
from certification.services.certificates import certificate_record_skill_level
from certification.tasks.certificates import issue_cycle_statement


def test_a_retried_statement_task_produces_one_statement_and_one_pdf(
    cast, django_capture_on_commit_callbacks
):
    summary = CycleSummary.objects.create(
        person=cast.worker,
        role="caregiver",
        cycle_number=1,
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2025, 12, 31),
        required_total=Decimal("120"),
        required_theory=Decimal("60"),
        required_practice=Decimal("30"),
        theory_hours=Decimal("80"),
        practice_hours=Decimal("45"),
        status="met",
    )
    with django_capture_on_commit_callbacks(execute=True):
        issue_cycle_statement.delay(summary.pk)
    with django_capture_on_commit_callbacks(execute=True):
        issue_cycle_statement.delay(summary.pk)
    statements = Certificate.objects.filter(kind="cycle_statement")
    assert statements.count() == 1
    s = statements.get()
    assert s.hours == Decimal("125") and s.issuer_name == "CareCert 继续教育学时证明"
    assert s.serial.startswith("CS-") and s.pdf.name.endswith(f"{s.serial}.pdf")


def test_staff_record_a_skill_level_certificate_with_its_own_serial(cast):
    cert = certificate_record_skill_level(
        actor=cast.regulator,
        person=cast.worker,
        occupation="4-10-01-03",
        level=4,
        external_number="Y000053010000241000123",
        issuer_name="云南省职业技能鉴定中心",
        issue_date=dt.date(2026, 3, 1),
    )
    assert cert.serial == "SL-2026-000001" and cert.external_number.startswith("Y0000")
    with pytest.raises(PermissionDenied):
        certificate_record_skill_level(
            actor=cast.outsider,
            person=cast.worker,
            occupation="4-10-01-03",
            level=4,
            external_number="X",
            issuer_name="X",
            issue_date=dt.date(2026, 3, 1),
        )
