"""D-8 through the product's doors: the ledger page and the correction form."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import AuditEvent, HourEntry, HourSource
from certification.services.hours import hours_credit
from cms.choices import HourKind

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 23)


@pytest.fixture
def entry(cast, orgs):
    return hours_credit(
        person=cast.worker,
        date=DAY,
        hours=Decimal("3"),
        kind=HourKind.THEORY,
        source=HourSource.OFFLINE,
        training_base=orgs.base,
    )


def test_a_regulator_corrects_an_entry_and_the_ledger_shows_the_reversal_with_its_reason(
    client, cast, entry
):
    client.force_login(cast.regulator)
    ledger = client.get(reverse("certification:person_ledger", args=[cast.worker.pk]))
    correct_url = reverse("certification:hour_entry_correct", args=[entry.pk])
    assert ledger.status_code == 200 and correct_url in ledger.content.decode()

    response = client.post(correct_url, {"hours": "1.0", "reason": "签到记录重复"})

    assert response.status_code == 302
    reversal = HourEntry.objects.get(corrects=entry)
    assert reversal.hours == Decimal("-1.0") and reversal.reason == "签到记录重复"
    assert AuditEvent.objects.filter(action="hours.correct", actor=cast.regulator).exists()
    page = client.get(response.url).content.decode()
    assert "签到记录重复" in page and "-1.0" in page and "剩余 2.0" in page


def test_the_entry_s_own_training_base_may_correct_it(client, cast, entry):
    client.force_login(cast.base_staff)
    response = client.post(
        reverse("certification:hour_entry_correct", args=[entry.pk]),
        {"hours": "0.5", "reason": "迟到半小时"},
    )
    assert response.status_code == 302
    assert HourEntry.objects.get(corrects=entry).hours == Decimal("-0.5")


@pytest.mark.parametrize("who", ["other_regulator", "other_base_staff", "institution_admin"])
def test_staff_outside_the_entry_get_404_an_audited_refusal_and_nothing_written(
    client, cast, entry, who
):
    client.force_login(getattr(cast, who))
    response = client.post(
        reverse("certification:hour_entry_correct", args=[entry.pk]),
        {"hours": "1", "reason": "试图修改"},
    )
    assert response.status_code == 404
    assert not HourEntry.objects.filter(corrects=entry).exists()
    assert AuditEvent.objects.filter(action="access.denied", actor=getattr(cast, who)).exists()


def test_taking_back_more_than_is_left_is_refused_with_the_amount_left(client, cast, entry):
    client.force_login(cast.regulator)
    url = reverse("certification:hour_entry_correct", args=[entry.pk])
    client.post(url, {"hours": "2", "reason": "第一次更正"})

    response = client.post(url, {"hours": "1.5", "reason": "第二次更正"})

    assert response.status_code == 200
    assert "不超过该记录剩余学时 1.0" in response.content.decode()
    assert HourEntry.objects.filter(corrects=entry).count() == 1


def test_a_correction_needs_a_reason_and_a_positive_amount(client, cast, entry):
    client.force_login(cast.regulator)
    url = reverse("certification:hour_entry_correct", args=[entry.pk])
    response = client.post(url, {"hours": "-1", "reason": ""})
    assert response.status_code == 200
    assert not HourEntry.objects.filter(corrects=entry).exists()
    body = response.content.decode()
    assert "必需字段" in body and "大于或等于0.1" in body


def test_a_correction_row_itself_offers_no_correction(client, cast, entry):
    client.force_login(cast.regulator)
    client.post(
        reverse("certification:hour_entry_correct", args=[entry.pk]),
        {"hours": "1", "reason": "重复"},
    )
    reversal = HourEntry.objects.get(corrects=entry)
    response = client.get(reverse("certification:hour_entry_correct", args=[reversal.pk]))
    assert response.status_code == 404
