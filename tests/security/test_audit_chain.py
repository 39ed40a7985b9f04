"""Issue 3 / D-33: the audit log is hash-chained and `verify_audit` detects tampering.
Issue 18: rows are appended without a lock and sealed into the chain afterwards."""

import datetime as dt
import hashlib
import json
import threading

import pgtrigger
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from certification.audit import _canonical, audit_hash, audit_record, audit_seal, audit_verify
from certification.models import AuditEvent
from certification.tasks.audit import audit_checkpoint, audit_seal_due
from cms.celery import beat_schedule


def _rows(cast, seal=True):
    for i in range(3):
        audit_record(actor=cast.regulator, action="test.step", data={"n": i})
    if seal:
        audit_seal()
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
    row = _rows(cast)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE certification_auditevent SET action='x' WHERE id=%s", [row.pk])


def _refused(sql, params):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


@pytest.mark.django_db
def test_the_trigger_lets_through_only_the_one_sealing_update(cast):
    """Unsealed: changing content is refused, also together with sealing. Sealed: a re-seal
    or an unseal is refused. The sealer's own update goes through (the rows get sealed)."""
    unsealed = _rows(cast, seal=False)
    seal_and_edit = (
        "UPDATE certification_auditevent SET seq = 99, prev_hash = %s, hash = %s, action = 'x' "
        "WHERE id = %s"
    )
    assert _refused("UPDATE certification_auditevent SET action='x' WHERE id=%s", [unsealed.pk])
    assert _refused(seal_and_edit, ["0" * 64, "f" * 64, unsealed.pk])
    assert audit_seal() == 3
    sealed = AuditEvent.objects.get(pk=unsealed.pk)
    assert sealed.seq == 3
    assert _refused(
        "UPDATE certification_auditevent SET seq = 7, hash = %s WHERE id = %s",
        ["e" * 64, sealed.pk],
    )
    assert _refused(
        "UPDATE certification_auditevent SET seq = NULL, prev_hash = NULL, hash = NULL "
        "WHERE id = %s",
        [sealed.pk],
    )
    assert AuditEvent.objects.get(pk=sealed.pk).hash == sealed.hash
    assert audit_verify() == []


@pytest.mark.django_db
def test_a_row_edited_before_it_is_sealed_is_reported_and_kept_out_of_the_chain(cast, capsys):
    row = _rows(cast, seal=False)
    _tamper("UPDATE certification_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', row.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"audit #{row.pk}: content does not match its MAC" in capsys.readouterr().err
    assert AuditEvent.objects.get(pk=row.pk).seq is None  # the other two are sealed
    assert AuditEvent.objects.filter(seq__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_row_inserted_by_raw_sql_without_the_key_is_never_sealed(cast, capsys):
    """Whoever can write the table but not read the key cannot add a row the chain accepts."""
    _rows(cast)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO certification_auditevent (at, actor_label, action, object_type, "
            "object_id, region_path, data, mac) VALUES (now(), 'x', 'forged', '', '', '', "
            "'{}', %s) RETURNING id",
            ["a" * 64],
        )
        forged = cursor.fetchone()[0]
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"audit #{forged}: content does not match its MAC" in capsys.readouterr().err
    assert AuditEvent.objects.get(pk=forged).seq is None


@pytest.mark.django_db
def test_a_read_only_check_reports_rows_the_sealer_left_behind(cast, capsys):
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)):
        stuck = _rows(cast, seal=False)
    with pytest.raises(CommandError):
        call_command("verify_audit", "--no-seal")
    assert f"audit #{stuck.pk}: not sealed since 2026-03-01 10:00" in capsys.readouterr().err
    call_command("verify_audit")  # sealing them clears it
    assert "audit chain intact" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_periodic_task_seals_what_was_written(cast):
    row = _rows(cast, seal=False)
    assert "audit-seal-every-5-seconds" in beat_schedule()
    audit_seal_due.delay()
    assert AuditEvent.objects.get(pk=row.pk).seq == 3
    assert AuditEvent.objects.filter(seq=None).count() == 0


def _in_thread(work):
    """Run `work` on its own database connection; returns the thread (started)."""

    def target():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_audited_writes_do_not_wait_for_each_other_and_a_late_commit_is_sealed_after(cast):
    """An open transaction that has written an audit row does not hold up another audited
    write (before issue 18 both waited on one lock until the first one committed). The row
    committed late (lower id) joins the chain after the row committed before it."""
    with transaction.atomic():
        late = audit_record(actor=cast.regulator, action="test.late")
        early = {}
        writer = _in_thread(
            lambda: early.update(event=audit_record(actor=None, action="test.early"))
        )
        writer.join(timeout=20)
        assert not writer.is_alive(), "the second audited write waited for the first"
        sealer = _in_thread(audit_seal)  # sees the committed row only
        sealer.join(timeout=20)
        assert not sealer.is_alive()
    audit_seal()
    late_seq = AuditEvent.objects.get(pk=late.pk).seq
    early_seq = AuditEvent.objects.get(pk=early["event"].pk).seq
    assert late.pk < early["event"].pk and early_seq < late_seq
    assert audit_verify() == []


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
    for event in AuditEvent.objects.order_by("seq"):
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
    for event in AuditEvent.objects.order_by("seq"):
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


@pytest.mark.django_db
def test_an_audited_write_is_one_insert_and_reads_back_as_written(cast, django_assert_num_queries):
    """No lock, no read of the chain's head: one statement in the caller's transaction."""
    with transaction.atomic(), django_assert_num_queries(1):
        event = audit_record(
            actor=cast.regulator, action="test.one", data={"ok": "是"}, ip="10.0.0.1"
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.action, stored.data, stored.ip_address, stored.at) == (
        cast.regulator,
        "test.one",
        {"ok": "是"},
        "10.0.0.1",
        event.at,
    )
    assert audit_seal() >= 1 and audit_verify() == []
