"""`make load`'s verdicts (load/checks.py) on made-up runs: each check passes a clean run and
catches the fault it is there for (doubled or lost heartbeat time, a ledger that disagrees with
the credited time, a duplicate certificate or a missing PDF, a 5xx outside the restart)."""

import datetime as dt
from decimal import Decimal

from load import checks

TODAY = dt.date(2026, 5, 4)
INTERVAL = 5


def _beat(sent, active_seconds, credited="0.0", status=200, person=1, lesson=7):
    return {
        "person": person,
        "lesson": lesson,
        "sent": sent,
        "received": sent + 0.05,
        "status": status,
        "active": status == 200,
        "active_seconds": active_seconds if status == 200 else None,
        "credited_hours": credited if status == 200 else None,
    }


def test_p99_and_failures_per_request_type():
    requests = [
        {"name": "heartbeat", "start": 0, "ms": float(ms), "status": 200, "error": ""}
        for ms in range(1, 101)
    ] + [{"name": "heartbeat", "start": 1, "ms": 5.0, "status": 500, "error": "HTTPError"}]
    stats = checks.request_stats(requests, seconds=10)["heartbeat"]
    assert (stats["requests"], stats["failures"], stats["p99_ms"]) == (101, 1, 99.0)


def test_a_5xx_counts_only_outside_the_seconds_postgresql_was_down():
    windows = [(100.0, 103.0)]
    during = {"name": "api_verify", "start": 101.0, "ms": 10.0, "status": 500, "error": ""}
    just_after = {"name": "api_verify", "start": 104.5, "ms": 10.0, "status": 503, "error": ""}
    later = {"name": "heartbeat", "start": 130.0, "ms": 10.0, "status": 0, "error": "Conn"}
    fine = {"name": "heartbeat", "start": 130.0, "ms": 10.0, "status": 200, "error": ""}
    found = checks.server_errors_outside([during, just_after, later, fine], windows, grace=2)
    assert found == [later]
    assert checks.check_no_5xx_outside([during, just_after, fine], windows, 2).ok
    assert not checks.check_no_5xx_outside([during, later], windows, 2).ok


def test_acknowledged_heartbeat_time_kept_once():
    beats = [_beat(0, 0), _beat(5, 5), _beat(10, 10, "0.1")]
    assert checks.heartbeat_problems(beats, {(1, 7): (10, Decimal("0.1"))}, INTERVAL) == []


def test_heartbeat_time_counted_twice_is_caught():
    beats = [_beat(0, 0), _beat(5, 10)]  # 10 s added for beats 5 s apart
    problems = checks.heartbeat_problems(beats, {(1, 7): (10, Decimal("0"))}, INTERVAL)
    assert len(problems) == 1 and "doubled" in problems[0]


def test_heartbeat_time_lost_between_close_beats_or_after_the_answer_is_caught():
    lost_between = [_beat(0, 0), _beat(5, 0)]
    problems = checks.heartbeat_problems(lost_between, {(1, 7): (0, Decimal("0"))}, INTERVAL)
    assert any("lost" in p for p in problems)
    acknowledged = [_beat(0, 0), _beat(5, 5)]
    problems = checks.heartbeat_problems(acknowledged, {(1, 7): (3, Decimal("0"))}, INTERVAL)
    assert problems == ["(1, 7): 5 s acknowledged, 3 kept"]


def test_a_failed_beat_in_between_excuses_a_broken_span_but_not_a_doubled_one():
    beats = [_beat(0, 0), _beat(5, 0, status=500), _beat(8, 0)]
    assert checks.heartbeat_problems(beats, {(1, 7): (0, Decimal("0"))}, INTERVAL) == []


def test_credit_follows_the_learning_rules():
    # One minute per 学时: a 0.5 h lesson earns nothing before 30 s, then up to 0.5 h.
    def credit(seconds):
        return checks.expected_credit(
            [(TODAY, seconds)], minutes_per_hour=1, nominal=Decimal("0.5")
        )

    assert (credit(29), credit(30), credit(3600)) == (Decimal("0"), Decimal("0.5"), Decimal("0.5"))
    # Day by day, each rounded down, the earlier day first, never past the nominal hours.
    two_days = [(TODAY, 40), (TODAY - dt.timedelta(days=1), 40)]
    assert checks.expected_credit(two_days, minutes_per_hour=1, nominal=Decimal("1")) == Decimal(
        "1.0"
    )
    assert checks.expected_credit(two_days, minutes_per_hour=1, nominal=Decimal("2")) == 0


def _progress(credited="0.5", seconds=35):
    return [
        {
            "person": 1,
            "lesson": 7,
            "credited_hours": Decimal(credited),
            "nominal_hours": Decimal("0.5"),
            "days": [(TODAY, seconds, Decimal(credited))],
        }
    ]


def test_ledger_must_hold_exactly_the_credited_time():
    assert checks.ledger_problems(_progress(), {(1, 7): Decimal("0.5")}, 1) == []
    doubled = checks.ledger_problems(_progress(), {(1, 7): Decimal("1.0")}, 1)
    assert doubled and "ledger 1.0 h" in doubled[0]
    early = checks.ledger_problems(_progress(seconds=20), {(1, 7): Decimal("0.5")}, 1)
    assert early and "rules give 0 h" in early[0]
    stray = checks.ledger_problems([], {(1, 9): Decimal("0.5")}, 1)
    assert stray == ["(1, 9): 0.5 h in the ledger without any lesson progress"]


def _batch(**kw):
    batch = {
        "status": "done",
        "total": 2,
        "processed": 2,
        "issued": 2,
        "person_ids": [1, 2],
        "refusals": [],
        "seconds": 12.0,
    }
    batch.update(kw)
    return batch


def test_the_batch_finishes_with_one_certificate_and_one_pdf_each():
    certs = [
        {"person": 1, "serial": "A-1", "pdf": "a1.pdf"},
        {"person": 2, "serial": "A-2", "pdf": "a2.pdf"},
    ]
    assert checks.check_batch(_batch(), certs, []).ok
    twice = [*certs, {"person": 2, "serial": "A-3", "pdf": "a3.pdf"}]
    assert "hold two or more" in checks.check_batch(_batch(), twice, []).detail
    no_pdf = [certs[0], {"person": 2, "serial": "A-2", "pdf": ""}]
    assert not checks.check_batch(_batch(), no_pdf, []).ok
    assert not checks.check_batch(_batch(status="running", processed=1), certs[:1], []).ok
