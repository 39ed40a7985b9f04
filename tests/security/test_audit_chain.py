"""Issue 3 / D-33: the audit log is hash-chained and `verify_audit` detects tampering."""

import hashlib
import json

import pgtrigger
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from certification.audit import _canonical, audit_hash, audit_record, audit_verify
from certification.models import AuditEvent
from certification.tasks.audit import audit_checkpoint
from cms.celery import beat_schedule


def _rows(cast):
    for i in range(3):
        audit_record(actor=cast.regulator, action="test.step", data={"n": i})
    return AuditEvent.objects.order_by("id").last()


@pytest.mark.django_db
def test_verify_audit_reports_an_intact_chain(cast, capsys):
    _rows(cast)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"audit chain intact: {AuditEvent.objects.count()} rows" in out


@pytest.mark.django_db
def test_the_model_layer_refuses_to_edit_or_delete_audit_rows(cast):
    row = _rows(cast)
    row.action = "forged"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=row.pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=row.pk).delete()


def _tamper(sql, params):
    """Raw SQL as an attacker with database access would run it: the append-only triggers
    are switched off for the statement (pgtrigger.ignore)."""
    triggers = (
        "certification.AuditEvent:append_only_no_update",
        "certification.AuditEvent:append_only_no_delete",
    )
    with pgtrigger.ignore(*triggers), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_verify_audit_fails_on_a_row_edited_by_raw_sql(cast, capsys):
    row = _rows(cast)
    _tamper("UPDATE certification_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', row.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"audit #{row.pk}" in capsys.readouterr().err


@pytest.mark.django_db
def test_verify_audit_fails_when_a_row_is_removed(cast, capsys):
    _rows(cast)
    middle = AuditEvent.objects.order_by("id")[1]
    _tamper("DELETE FROM certification_auditevent WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "link broken" in capsys.readouterr().err


@pytest.mark.django_db
def test_postgres_trigger_refuses_raw_updates(cast):
    from django.db import DatabaseError, transaction

    row = _rows(cast)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE certification_auditevent SET action='x' WHERE id=%s", [row.pk])


@pytest.mark.django_db
def test_deleting_the_newest_rows_is_caught_by_the_checkpoint(cast, capsys):
    """Truncating the tail leaves a consistent chain; the signed checkpoint outside the table
    still names the last row."""
    _rows(cast)
    call_command("verify_audit", "--checkpoint")
    assert "matches" in capsys.readouterr().out
    last = AuditEvent.objects.order_by("id").last()
    _tamper("DELETE FROM certification_auditevent WHERE id >= %s", [last.pk - 1])
    assert audit_verify() == []  # the chain alone cannot tell
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"row #{last.pk} is missing (the log was truncated)" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_full_rewrite_without_the_key_is_caught(cast, capsys):
    """Whoever can write the table but not read AUDIT_CHAIN_KEY rewrites a row and recomputes
    every later hash with plain SHA-256 (the old scheme): every row then fails its keyed hash."""
    _rows(cast)
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("id"):
        if event.action == "test.step" and event.data == {"n": 1}:
            event.data = {"n": 1000}
            _tamper(
                "UPDATE certification_auditevent SET data = %s WHERE id = %s",
                ['{"n": 1000}', event.pk],
            )
        new = hashlib.sha256(prev.encode() + _canonical(event)).hexdigest()
        _tamper(
            "UPDATE certification_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, new, event.pk],
        )
        prev = new
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "content does not match its hash" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_full_rewrite_with_a_stolen_key_is_caught_by_the_checkpoint(cast, capsys):
    """Even with the key, a rewritten chain no longer ends in the hash the checkpoint signed."""
    _rows(cast)
    call_command("verify_audit", "--checkpoint")
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("id"):
        if event.data == {"n": 1}:
            event.data = {"n": 1000}
            _tamper(
                "UPDATE certification_auditevent SET data = %s WHERE id = %s",
                ['{"n": 1000}', event.pk],
            )
        new = audit_hash(event, prev)
        _tamper(
            "UPDATE certification_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, new, event.pk],
        )
        prev = new
    assert audit_verify() == []
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "(the chain was rewritten)" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_forged_checkpoint_line_is_reported(cast, settings, capsys):
    _rows(cast)
    call_command("verify_audit", "--checkpoint")
    path = settings.AUDIT_CHECKPOINT_PATH
    line = json.loads(path.read_text().splitlines()[-1])
    path.write_text(path.read_text() + json.dumps({**line, "rows": 1}) + "\n")
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "signature does not match" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_hourly_task_writes_a_checkpoint_and_verify_shows_it(cast, settings, capsys):
    _rows(cast)
    call_command("verify_audit")
    assert "no checkpoint yet" in capsys.readouterr().out
    last_id = audit_checkpoint.delay().get()
    assert last_id == AuditEvent.objects.order_by("id").last().pk
    assert "audit-checkpoint-hourly" in beat_schedule()
    call_command("verify_audit")
    assert f"row #{last_id}" in capsys.readouterr().out
