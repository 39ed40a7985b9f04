"""Demo step: the credit file (D-38) in Yunnan — a commendation of the Wuhua demo institution and
a finding against the Panlong one, so its public summary (/credit/public/) has something to show.
The ban register step adds the person-level records of its bans itself (ban_create)."""

import datetime as dt

from certification.demo.core import credit_code
from certification.models import CreditRecord, Organisation
from certification.services.credit import credit_record_create
from cms.demo import demo_step
from cms.models import User

# (organisation seed, kind, decision number, date, summary)
RECORDS = [
    (1, "commendation", "昆卫表〔2025〕12号", dt.date(2025, 12, 20), "市级示范托育机构（演示）"),
    (2, "other_violation", "昆卫罚〔2026〕4号", dt.date(2026, 3, 9), "超核定规模收托（演示）"),
]


@demo_step(65, "credit records")
def load_credit_records(log) -> None:
    actor = User.objects.filter(email="reg@demo.carecert.cn").first()
    for seed, kind, number, day, summary in RECORDS:
        organisation = Organisation.objects.filter(credit_code=credit_code(seed)).first()
        if organisation is None or CreditRecord.objects.filter(decision_number=number).exists():
            continue
        credit_record_create(
            actor=actor,
            region=organisation.region,
            organisation=organisation,
            kind=kind,
            decision_number=number,
            authority="昆明市卫生健康委员会",
            decision_date=day,
            summary=summary,
        )
    log(f"credit records: {CreditRecord.objects.count()}")
