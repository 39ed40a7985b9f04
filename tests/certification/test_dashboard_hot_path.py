"""Issue 18: a certificate row carries the region it was issued for, so the regulator dashboard
counts certificates per month from the certificates alone (no scan of people) and a holder who
moves later does not carry her past certificates to her new region's figures."""

import datetime as dt

import pytest
from django.utils import timezone

from certification.models import Certificate, Employment, Region, WorkCertificateRule
from certification.selectors.dashboards import regulator_dashboard
from certification.selectors.work_certificates import (
    region_work_certificate_counts,
    work_certificate_counts,
)
from certification.services.certificates import certificate_record_skill_level
from cms.choices import WorkerRole
from tests.factories import CertificateFactory, EmploymentFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
MARCH = dt.date(2026, 3, 1)


def _issued_in_march(code: str) -> int:
    data = regulator_dashboard(region=Region.objects.get(code=code), today=TODAY)
    return sum(m.issued for m in data.months if m.month == MARCH)


def test_a_certificate_counts_in_the_region_it_was_issued_for_after_its_holder_moves(cast, regions):
    cert = certificate_record_skill_level(
        actor=cast.regulator,
        person=cast.worker,
        occupation="4-10-01-03",
        level=4,
        external_number="Y000053010000241000999",
        issuer_name="云南省职业技能鉴定中心",
        issue_date=dt.date(2026, 3, 12),
    )
    assert cert.region == regions.wuhua  # the holder's region at issue
    cast.worker.region = regions.lanzhou  # she takes a job in Gansu afterwards
    cast.worker.save(update_fields=["region"])

    assert _issued_in_march("530000") == 1  # still Yunnan's March issuance
    assert _issued_in_march("530100") == 1
    assert _issued_in_march("620000") == 0  # not moved to Gansu's figures


def test_a_certificate_created_without_a_region_takes_its_holders(regions):
    person = PersonFactory(region=regions.kunming)
    cert = Certificate.objects.create(
        kind=Certificate.Kind.TRAINING,
        serial="TC-HOT-PATH-1",
        verification_code="hot-path-code-1",
        person=person,
        issuer_name="基地",
        issue_date=dt.date(2026, 3, 2),
    )
    assert cert.region_id == regions.kunming.code
    assert _issued_in_march("530000") == 1


def test_the_province_dashboard_is_a_fixed_number_of_queries(
    regions, django_assert_max_num_queries
):
    for region in (regions.wuhua, regions.kunming, regions.lanzhou):
        for _ in range(3):
            CertificateFactory(person=PersonFactory(region=region), issue_date=MARCH)
    yunnan = Region.objects.get(code="530000")
    # child regions, summaries, subtree codes, issued, revoked, approved, paid, ban hits
    with django_assert_max_num_queries(8):
        data = regulator_dashboard(region=yunnan, today=TODAY)
    assert data.certificates_issued == 6


def test_the_region_work_certificate_counts_read_the_subtree_not_every_employment(
    orgs, regions, django_assert_max_num_queries
):
    """The 持证上岗 counts take the subtree's regions from the region table (no scan of the
    employments for their regions) and count what the generic path counts."""
    WorkCertificateRule.objects.create(
        region=regions.yunnan,
        role=WorkerRole.CAREGIVER,
        effective_from=dt.date(2020, 1, 1),
        required=True,
        grace_months=6,
        accepts_training=True,
        accepts_skill_level=True,
    )
    today = timezone.localdate()
    for start in (today - dt.timedelta(days=30), today - dt.timedelta(days=400)):
        EmploymentFactory(institution=orgs.institution, start_date=start)
    EmploymentFactory(institution=orgs.other_institution, start_date=today)  # Gansu: not ours
    yunnan = Region.objects.get(code="530000")
    # subtree codes, their regions, the rules in force, the grouped count
    with django_assert_max_num_queries(4):
        counts = region_work_certificate_counts(yunnan)
    generic = work_certificate_counts(
        Employment.objects.filter(
            institution__region__path__startswith=yunnan.path, end_date__isnull=True
        )
    )
    assert counts == generic == {"within_grace": 1, "past_grace": 1, "holds": 0}
