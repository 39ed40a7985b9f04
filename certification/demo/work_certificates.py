"""Demo step: Yunnan requires caregivers to hold a certificate within 6 months of hiring (D-37
持证上岗), and the Wuhua institution has just hired a caregiver, so its 持证上岗 list shows
people past the grace period, one inside it and those who already hold a certificate."""

import datetime as dt

from django.utils import timezone

from certification.idnumbers import IdType, build_resident_id
from certification.models import Organisation, WorkCertificateRule
from certification.services.ban_register import hiring_employ
from cms.choices import WorkerRole
from cms.demo import demo_step
from cms.models import User

RULE_FROM = dt.date(2025, 1, 1)


@demo_step(75, "work with a certificate")
def load_work_certificates(log) -> None:
    WorkCertificateRule.objects.get_or_create(
        region_id="530000",
        role=WorkerRole.CAREGIVER,
        defaults={
            "effective_from": RULE_FROM,
            "required": True,
            "grace_months": 6,
            "note": "演示：云南省要求保育人员入职 6 个月内持证上岗",
        },
    )
    institution = Organisation.objects.filter(region_id="530102", kind="institution").first()
    admin = User.objects.filter(email="inst@demo.carecert.cn").first()
    if institution is None or admin is None:
        return
    hiring_employ(
        actor=admin,
        institution=institution,
        id_type=IdType.RESIDENT,
        id_number=build_resident_id("530102", dt.date(1998, 3, 8), 931),
        name="罗新月",
        role=WorkerRole.CAREGIVER,
        start_date=timezone.localdate() - dt.timedelta(days=45),
    )
    log("work with a certificate: Yunnan caregivers within 6 months; one newcomer in Wuhua")
