import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum

from certification.models import HourEntry, HourSource, LearningPolicy
from certification.rules.hours import capped_credit, minutes_to_class_hours
from certification.selectors.rules import learning_policy_for
from certification.services.hours import hours_correct, hours_credit
from cms.choices import HourKind

DAY = datetime.date(2026, 11, 23)


def credit(person, hours, **kw):
    kw.setdefault("kind", HourKind.THEORY)
    kw.setdefault("source", HourSource.OFFLINE)
    return hours_credit(person=person, date=kw.pop("date", DAY), hours=Decimal(hours), **kw)


def test_capped_credit_rounds_down_and_never_exceeds_the_cap():
    assert capped_credit(Decimal("3.37"), Decimal("0"), Decimal("7")) == Decimal("3.3")
    assert capped_credit(Decimal("5"), Decimal("6.5"), Decimal("7")) == Decimal("0.5")
    assert capped_credit(Decimal("5"), Decimal("7"), Decimal("7")) == Decimal("0")
    assert minutes_to_class_hours(90, 45) == Decimal("2.0")
    assert minutes_to_class_hours(44, 45) == Decimal("0.9")


def test_national_policy_is_seeded_and_a_regional_row_wins(cast, regions):
    national = learning_policy_for(cast.worker.region, DAY)
    assert national.region_id is None and national.daily_cap_hours == Decimal("7")
    LearningPolicy.objects.create(
        region=regions.kunming,
        effective_from=datetime.date(2025, 1, 1),
        daily_cap_hours=Decimal("6"),
        programme_start=datetime.date(2021, 1, 1),
    )
    assert learning_policy_for(cast.worker.region, DAY).daily_cap_hours == Decimal("6")
    assert learning_policy_for(cast.worker.region, datetime.date(2024, 1, 1)).region_id is None


def test_daily_cap_applies_across_sources(cast):
    first = credit(cast.worker, "5", source=HourSource.OFFLINE)
    second = credit(cast.worker, "4", source=HourSource.ONLINE, external_ref="lesson:x")
    assert first.hours == Decimal("5") and second.hours == Decimal("2")
    assert (
        second.evidence["requested_hours"] == "4.0" and second.evidence["daily_cap_hours"] == "7.0"
    )
    assert credit(cast.worker, "1") is None
    assert credit(cast.worker, "1", date=DAY + datetime.timedelta(days=1)).hours == Decimal("1")


def test_posting_twice_with_the_same_reference_credits_once(cast):
    a = credit(cast.worker, "2", external_ref="attendance:1")
    b = credit(cast.worker, "2", external_ref="attendance:1")
    assert a.pk == b.pk and HourEntry.objects.filter(person=cast.worker).count() == 1


def test_ledger_refuses_update_and_delete(cast):
    entry = credit(cast.worker, "2")
    entry.hours = Decimal("3")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_database_refuses_update_and_delete_of_ledger_rows(cast):
    entry = credit(cast.worker, "2")
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cur:  # noqa: B017
        cur.execute("UPDATE certification_hourentry SET hours = 9 WHERE id = %s", [entry.pk])
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cur:  # noqa: B017
        cur.execute("DELETE FROM certification_hourentry WHERE id = %s", [entry.pk])
    assert HourEntry.objects.get(pk=entry.pk).hours == Decimal("2")


def test_correction_by_base_staff_nets_out(cast, orgs):
    entry = credit(cast.worker, "3", training_base=orgs.base)
    hours_correct(actor=cast.base_staff, entry=entry, hours=Decimal("3"), reason="签到有误")
    total = HourEntry.objects.filter(person=cast.worker).aggregate(s=Sum("hours"))["s"]
    assert total == Decimal("0")
    with pytest.raises(ValidationError):
        hours_correct(actor=cast.base_staff, entry=entry, hours=Decimal("0.5"), reason="再减")


def test_correction_needs_a_reason_and_an_authorised_actor(cast, orgs):
    entry = credit(cast.worker, "3", training_base=orgs.base)
    with pytest.raises(ValidationError):
        hours_correct(actor=cast.base_staff, entry=entry, hours=Decimal("1"), reason=" ")
    with pytest.raises(PermissionDenied):
        hours_correct(actor=cast.other_base_staff, entry=entry, hours=Decimal("1"), reason="x")
    with pytest.raises(PermissionDenied):
        hours_correct(actor=cast.other_regulator, entry=entry, hours=Decimal("1"), reason="x")
    hours_correct(actor=cast.regulator, entry=entry, hours=Decimal("1"), reason="复核")
    assert entry.corrections.get().hours == Decimal("-1")
