"""/learning/ tells a worker about cycles that ended unmet and, where a region has a yearly
in-service rule, this year's hours against it (D-13, D-15)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from certification.models import HourEntry, Region
from certification.services.compliance import (
    compliance_on_employment_change,
    compliance_on_hour_entry,
)
from certification.services.reminders import compliance_refresh_status
from cms.choices import WorkerRole
from tests.factories import EmploymentFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _worker(institution, start: dt.date):
    user = UserFactory()
    person = PersonFactory(user=user, region=institution.region)
    EmploymentFactory(
        person=person, institution=institution, role=WorkerRole.CAREGIVER, start_date=start
    )
    return user, person


def _credit(person, day, hours):
    entry = HourEntry.objects.create(
        person=person, date=day, hours=Decimal(hours), kind="practice", source="import"
    )
    compliance_on_hour_entry(entry=entry)


def test_a_cycle_that_ended_unmet_is_named_on_the_learning_page(client, orgs):
    with time_machine.travel("2022-03-01 10:00 +0800"):
        user, person = _worker(orgs.institution, dt.date(2022, 3, 1))
        compliance_on_employment_change(person=person)
        _credit(person, dt.date(2022, 6, 1), "10")
    with time_machine.travel("2027-03-05 02:00 +0800"):
        assert compliance_refresh_status()["lapsed"] == 1  # the nightly task
    with time_machine.travel("2027-06-01 10:00 +0800"):
        client.force_login(user)
        body = client.get(reverse("lms:my_learning")).content.decode()
    assert "以下周期未达标" in body
    assert "第 1 周期 (2022年3月1日 至 2027年2月28日)" in body
    assert "第 2 周期：2027年3月1日 至 2032年2月29日" in body
    with time_machine.travel("2027-06-01 10:00 +0800"):
        client.cookies["django_language"] = "en"
        english = client.get(reverse("lms:my_learning")).content.decode()
    assert "2027-03-01" in english and "2032-02-29" in english and "年" not in english


@time_machine.travel("2024-06-01 10:00 +0800")
def test_a_qingyuan_worker_sees_this_years_in_service_hours(client, db):
    user, person = _worker(
        OrganisationFactory(region=Region.objects.get(code="441800")), dt.date(2023, 1, 1)
    )
    _credit(person, dt.date(2023, 12, 1), "6")
    _credit(person, dt.date(2024, 3, 1), "3")
    client.force_login(user)
    body = client.get(reverse("lms:my_learning")).content.decode()
    assert '<dd class="year-hours">3.0 / 8.0</dd>' in body
