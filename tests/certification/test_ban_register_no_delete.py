"""D-22: ban register entries are never deleted; an annulment is a recorded decision."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from certification.models import BanEntry
from certification.services.ban_register import ban_annul, ban_create
from tests.factories import new_id_number


def _entry(cast, regions):
    return ban_create(
        actor=cast.regulator,
        id_type="resident",
        id_number=new_id_number(),
        name="某某",
        region=regions.kunming,
        ban_type=BanEntry.BanType.LIFETIME,
        reason_category=BanEntry.Reason.ABUSE,
        decision_number="（2026）云01刑初1号",
        authority="昆明市中级人民法院",
        effective_date=dt.date(2026, 1, 1),
    )


def test_the_model_refuses_to_delete_an_entry_or_a_queryset(cast, regions):
    entry = _entry(cast, regions)
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        BanEntry.objects.filter(pk=entry.pk).delete()
    assert BanEntry.objects.filter(pk=entry.pk).exists()


def test_annulment_keeps_the_entry(cast, regions):
    entry = _entry(cast, regions)
    ban_annul(
        actor=cast.regulator, entry=entry, decision_number="（2026）云01刑再1号", reason="再审改判"
    )
    entry.refresh_from_db()
    assert entry.status == BanEntry.Status.ANNULLED


def test_the_database_refuses_delete_of_an_entry(cast, regions):
    entry = _entry(cast, regions)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM certification_banentry WHERE id = %s", [entry.pk])
    assert BanEntry.objects.filter(pk=entry.pk).exists()
    with transaction.atomic(), connection.cursor() as cur:  # updates (annulment) still work
        cur.execute(
            "UPDATE certification_banentry SET reason_detail = 'x' WHERE id = %s", [entry.pk]
        )
