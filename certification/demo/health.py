"""Demo step: yearly health care (D-36) at the Wuhua demo institution — one person in good
standing, one whose health certificate lapses within the month, one overdue, one unfit, and one
never checked (the dashboards count each)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from certification import pii
from certification.demo.core import credit_code, demo_person
from certification.models import HealthCheck, Organisation, Person
from certification.services.health import health_check_record, health_training_record
from cms.demo import demo_step
from cms.models import User

# (demo person index, days since the check, result, days the certificate is still valid)
RECORDS = [
    (0, 40, "fit", 325),  # ok
    (6, 345, "fit", 20),  # due: the demo caregiver's certificate lapses in 20 days
    (12, 380, "fit", -15),  # overdue: flagged
    (24, 20, "unfit", None),  # unfit: flagged
]  # person 18 has no check yet: missing


@demo_step(55, "health checks")
def load_health(log) -> None:
    institution = Organisation.objects.filter(credit_code=credit_code(1)).first()
    actor = User.objects.filter(email="inst@demo.carecert.cn").first()
    if institution is None or actor is None:
        log("health: skipped (no demo institution)")
        return
    today = timezone.localdate()
    for index, ago, result, valid_days in RECORDS:
        _name, number, _birth = demo_person(index, institution.region_id)
        person = Person.objects.filter(id_index=pii.blind_index(number)).first()
        if person is None or person.health_checks.exists():
            continue  # idempotent: a re-run adds nothing
        check_date = today - dt.timedelta(days=ago)
        health_check_record(
            actor=actor,
            institution=institution,
            person=person,
            check_date=check_date,
            result=result,
            hospital="昆明市五华区妇幼保健院",
            certificate_number=f"JK{check_date:%Y}-{index:04d}" if result == "fit" else "",
            valid_until=today + dt.timedelta(days=valid_days) if valid_days is not None else None,
        )
        health_training_record(
            actor=actor,
            institution=institution,
            person=person,
            training_date=check_date,
            hours=Decimal("4.0"),
            provider="托育机构卫生保健与传染病防控培训",
        )
    log(f"health: {HealthCheck.objects.filter(institution=institution).count()} checks")
