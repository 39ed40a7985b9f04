"""Issue 14: every state-changing service writes an audit row.

The registry is built from the code itself, so a new service cannot be forgotten: every public
function in certification/services and lms/services that writes to the database (save, create,
update, delete, bulk_*, get_or_create, update_or_create) must write an audit row itself or call
a function that does (followed by name through the service modules, as unreachable.py does).
The few that write without an audit row of their own are listed below with the reason; the
list is checked both ways, so a stale exemption fails too. The behavioural half — that the
rows are really written — is asserted by each area's tests (e.g. test_hostile_uploads,
test_bans, test_subsidy_pipeline) and by the walk over cycle status changes below."""

import ast
from pathlib import Path

import pytest

from certification.models import AuditEvent, CycleStatus, CycleSummary
from certification.services.compliance import compliance_on_employment_change
from certification.services.reminders import compliance_refresh_status

ROOT = Path(__file__).resolve().parents[1]
SERVICE_DIRS = [ROOT / "certification" / "services", ROOT / "lms" / "services"]
WRITES = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
AUDITS = {"audit_record", "audit_refusal", "deny"}

EXEMPT = {
    "ban_check": "its BanCheck row is the audit record of a check (D-23), kept in its own table",
    "ban_alert_for_check": "notifications about a BanCheck row, itself the audit record",
    "certificate_serial_allocate": "a serial counter; the certificate it numbers is audited",
    "compliance_on_hour_entry": "adds a posted entry's hours (the posting is audited)",
    "person_region_follow": "its callers' employment.create / employment.end rows record it",
    "outbox_emit": "the outbox row of a change whose own service audits it (D-40)",
    "quiz_attempt_start": "a learner's attempt row; its submission and credit are audited",
    "status_list_revoke": "the revocation bit of a certificate whose revocation is audited",
}


def _service_functions():
    """{name: (called names, writes?)} for every top-level function of the service modules."""
    found = {}
    for directory in SERVICE_DIRS:
        for path in sorted(directory.rglob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if not isinstance(node, ast.FunctionDef):
                    continue
                calls, writes = set(), False
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call):
                        func = sub.func
                        if isinstance(func, ast.Attribute):
                            calls.add(func.attr)
                            writes |= func.attr in WRITES
                        elif isinstance(func, ast.Name):
                            calls.add(func.id)
                found[f"{path.relative_to(ROOT)}:{node.name}"] = (node.name, calls, writes)
    return found


def _auditing(functions) -> set[str]:
    by_name = {}
    for key, (name, _calls, _writes) in functions.items():
        by_name.setdefault(name, []).append(key)
    auditing = {key for key, (_n, calls, _w) in functions.items() if calls & AUDITS}
    grew = True
    while grew:
        grew = False
        for key, (_name, calls, _writes) in functions.items():
            if key not in auditing and any(
                other in auditing for called in calls for other in by_name.get(called, ())
            ):
                auditing.add(key)
                grew = True
    return auditing


def test_every_state_changing_service_writes_an_audit_row():
    functions = _service_functions()
    auditing = _auditing(functions)
    silent = {
        name
        for key, (name, _calls, writes) in functions.items()
        if writes and not name.startswith("_") and key not in auditing
    }
    assert silent - EXEMPT.keys() == set(), "write an audit row (certification.audit)"
    assert EXEMPT.keys() - silent == set(), "stale exemption: the function now audits or is gone"
    assert len([k for k, v in functions.items() if v[2]]) > 40  # the walk really saw the code


@pytest.mark.django_db
def test_a_cycle_falling_behind_or_lapsing_is_audited(cast):
    """The daily refresh changes statuses with a conditional update; each move is audited."""
    compliance_on_employment_change(person=cast.worker)  # the cycle of the worker's employment
    summary = cast.worker.cycle_summaries.order_by("start_date").first()
    assert summary.status == CycleStatus.BEHIND  # no hours yet, a share of the cycle has gone
    # Yesterday's status: the refresh must notice the cycle has fallen behind since.
    CycleSummary.objects.filter(pk=summary.pk).update(status=CycleStatus.ON_TRACK)
    before = CycleStatus.ON_TRACK
    result = compliance_refresh_status()
    summary.refresh_from_db()
    assert result["changed"] == 1 and summary.status == CycleStatus.BEHIND
    row = AuditEvent.objects.get(action=f"cycle.{summary.status}", object_id=str(summary.pk))
    assert row.actor is None and row.data == {
        "from": before,
        "to": summary.status,
        "cycle": summary.cycle_number,
    }
