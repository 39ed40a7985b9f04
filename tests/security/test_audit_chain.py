"""Issue 3 / D-33: the audit log is hash-chained and `verify_audit` detects tampering."""

import pgtrigger
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from certification.audit import audit_record
from certification.models import AuditEvent


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
