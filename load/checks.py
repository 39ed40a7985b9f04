"""What a load run reports and checks, as pure functions over plain data (the orchestrator
gathers the rows): per request type its count, failures and p99; the 5xx answers outside the
seconds PostgreSQL was down; the heartbeat time the server acknowledged against what it kept;
the ledger against the credit the learning rules give that time; the certificate batch."""

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from certification.rules.hours import lesson_creditable_hours, minutes_to_class_hours

ZERO = Decimal("0")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"load check {self.name} {'ok' if self.ok else 'FAIL'} ({self.detail})"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (the value at or below which pct % of the values lie)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def failed(request: dict) -> bool:
    """No answer, an error answer, or one the user code marked failed."""
    return not request["status"] or request["status"] >= 400 or bool(request["error"])


def request_stats(requests: list[dict], seconds: float) -> dict[str, dict]:
    """{type: {"requests", "failures", "p99_ms", "rps"}} in name order, over a run of
    `seconds`."""
    by_name: dict[str, list[dict]] = defaultdict(list)
    for r in requests:
        by_name[r["name"]].append(r)
    stats = {}
    for name in sorted(by_name):
        rows = by_name[name]
        stats[name] = {
            "requests": len(rows),
            "failures": sum(1 for r in rows if failed(r)),
            "p99_ms": percentile([r["ms"] for r in rows], 99),
            "rps": len(rows) / seconds,
        }
    return stats


def server_errors_outside(
    requests: list[dict], windows: list[tuple[float, float]], grace: float
) -> list[dict]:
    """Requests answered 5xx (or not answered at all) whose time on the wire does not overlap
    a window PostgreSQL was down (each widened by `grace` seconds after it came back)."""
    outside = []
    for r in requests:
        if r["status"] and r["status"] < 500:
            continue
        start, end = r["start"], r["start"] + r["ms"] / 1000
        if not any(start <= up + grace and end >= down for down, up in windows):
            outside.append(r)
    return outside


def check_no_5xx_outside(requests, windows, grace) -> Check:
    errors = [r for r in requests if not r["status"] or r["status"] >= 500]
    outside = server_errors_outside(requests, windows, grace)
    shown = ", ".join(
        f"{r['name']} {r['status'] or r['error']} at {r['start']:.1f}" for r in outside[:5]
    )
    down = ", ".join(f"{up - down:.1f} s" for down, up in windows) or "none"
    detail = f"{len(errors)} 5xx or unanswered, {len(outside)} outside the down window ({down}"
    detail += f" + {grace:g} s)" + (f": {shown}" if outside else "")
    return Check("no_5xx_outside_db_restart", not outside, detail)


def heartbeat_problems(beats: list[dict], final: dict, interval: int) -> list[str]:
    """The heartbeat time the server acknowledged against what it kept.

    `beats`: the client's records (person, lesson, sent, received, status, and for a 200 the
    answer's active flag, active_seconds and credited_hours). `final`: {(person, lesson):
    (active_seconds, credited_hours)} as stored after the run.

    - between two acknowledged beats of one tab the server may add no more than the time
      between them (nothing doubled), and, when they were close enough to continue the span
      (within 2 × interval), no less (nothing lost; whole seconds, so 1 s of slack);
    - what the last acknowledgement said is still stored (a later beat may only have added
      what the beats after it, answered or not, could have carried)."""
    problems: list[str] = []
    by_tab: dict[tuple, list[dict]] = defaultdict(list)
    for b in sorted(beats, key=lambda b: b["sent"]):
        by_tab[(b["person"], b["lesson"])].append(b)
    for key, rows in by_tab.items():
        acked = [b for b in rows if b["status"] == 200 and b.get("active")]
        for before, after in zip(acked, acked[1:], strict=False):
            added = after["active_seconds"] - before["active_seconds"]
            most = after["received"] - before["sent"]
            if added > most + 0.5:
                problems.append(f"{key}: +{added} s between beats {most:.1f} s apart (doubled)")
            unanswered = any(
                b["status"] != 200 for b in rows if before["sent"] < b["sent"] < after["sent"]
            )
            least = after["sent"] - before["received"] - 1
            if most <= 2 * interval and not unanswered and added < least:
                problems.append(f"{key}: +{added} s between beats {least + 1:.1f} s apart (lost)")
        if not acked:
            continue
        last = acked[-1]
        stored_active, stored_credit = final.get(key, (0, ZERO))
        later = [b for b in rows if b["sent"] > last["sent"]]
        room = sum(2 * interval + 1 for _ in later)
        if stored_active < last["active_seconds"]:
            problems.append(f"{key}: {last['active_seconds']} s acknowledged, {stored_active} kept")
        elif stored_active > last["active_seconds"] + room:
            problems.append(
                f"{key}: {stored_active} s kept, {last['active_seconds']} s acknowledged last"
            )
        if stored_credit < Decimal(last["credited_hours"]):
            problems.append(f"{key}: {last['credited_hours']} h acknowledged, {stored_credit} kept")
    return problems


def expected_credit(days: list[tuple], *, minutes_per_hour: int, nominal: Decimal) -> Decimal:
    """The credit the learning rules (D-7, D-9) give a lesson's active time: nothing until the
    lesson's nominal time is reached (no quiz), then each day's time in 学时 (rounded down),
    in date order, up to the lesson's nominal hours. `days`: [(date, active_seconds)]."""
    total = sum(seconds for _date, seconds in days)
    if total < nominal * minutes_per_hour * 60:
        return ZERO
    allowed = lesson_creditable_hours(total, minutes_per_hour, nominal)
    credited = ZERO
    for _date, seconds in sorted(days):
        room = allowed - credited
        if room <= 0:
            break
        credited += min(minutes_to_class_hours(Decimal(seconds) / 60, minutes_per_hour), room)
    return credited


def ledger_problems(progress: list[dict], ledger: dict, minutes_per_hour: int) -> list[str]:
    """`progress`: one dict per (person, lesson) with credited_hours, nominal_hours and days
    [(date, active_seconds, credited_hours)]; `ledger`: {(person, lesson): online hours in the
    ledger}. The ledger must hold exactly what the progress says was credited, each day's
    share adds up to it, and that is what the rules give the stored active time."""
    problems = []
    seen = set()
    for p in progress:
        key = (p["person"], p["lesson"])
        seen.add(key)
        in_ledger = ledger.get(key, ZERO)
        by_days = sum((d[2] for d in p["days"]), ZERO)
        rules = expected_credit(
            [(d[0], d[1]) for d in p["days"]],
            minutes_per_hour=minutes_per_hour,
            nominal=p["nominal_hours"],
        )
        if not (in_ledger == p["credited_hours"] == by_days == rules):
            problems.append(
                f"{key}: ledger {in_ledger} h, credited {p['credited_hours']} h, days {by_days} h,"
                f" rules give {rules} h for {sum(d[1] for d in p['days'])} s"
            )
    for key in sorted(set(ledger) - seen):
        problems.append(f"{key}: {ledger[key]} h in the ledger without any lesson progress")
    return problems


def check_ledger(progress, ledger, minutes_per_hour, beats, final, interval) -> Check:
    problems = ledger_problems(progress, ledger, minutes_per_hour) + heartbeat_problems(
        beats, final, interval
    )
    hours = sum(ledger.values(), ZERO)
    seconds = sum(d[1] for p in progress for d in p["days"])
    acked = sum(1 for b in beats if b["status"] == 200)
    detail = (
        f"{len({p['person'] for p in progress})} learners, {hours} h in the ledger for "
        f"{seconds} active s, {acked} beats acknowledged"
    )
    if problems:
        detail += f"; {len(problems)} problems: " + "; ".join(problems[:5])
    return Check("ledger_equals_heartbeats", not problems, detail)


def check_batch(batch: dict, certificates: list[dict], pdf_missing: list[str]) -> Check:
    """`batch`: the CertificateBatch's status, total, processed, issued, person_ids and
    refusals; `certificates`: this course's training certificates (person, serial, pdf);
    `pdf_missing`: serials whose PDF file is not on disk."""
    per_person: dict[int, int] = defaultdict(int)
    for c in certificates:
        per_person[c["person"]] += 1
    duplicates = sorted(p for p, n in per_person.items() if n > 1)
    refused = {r["person_id"] for r in batch["refusals"]}
    uncertified = sorted(set(batch["person_ids"]) - set(per_person) - refused)
    no_pdf = sorted(c["serial"] for c in certificates if not c["pdf"])
    problems = []
    if batch["status"] != "done" or batch["processed"] != batch["total"]:
        problems.append(f"batch {batch['status']} {batch['processed']}/{batch['total']}")
    if batch["issued"] != len(per_person):
        problems.append(f"batch says {batch['issued']} issued, {len(per_person)} hold one")
    if duplicates:
        problems.append(f"{len(duplicates)} people hold two or more: {duplicates[:5]}")
    if uncertified:
        problems.append(f"{len(uncertified)} neither certified nor refused: {uncertified[:5]}")
    if refused:
        problems.append(f"{len(refused)} refused: {batch['refusals'][0]['reasons']}")
    if no_pdf or pdf_missing:
        problems.append(f"{len(no_pdf) + len(pdf_missing)} without their PDF: {no_pdf[:3]}")
    detail = (
        f"{len(certificates)} certificates for {batch['total']} people, "
        f"{len(certificates) - len(no_pdf)} PDFs"
    )
    if batch.get("seconds") is not None:
        detail += f", batch done {batch['seconds']:.0f} s after it was started"
    if problems:
        detail += "; " + "; ".join(problems)
    return Check("batch_complete_no_duplicates", not problems, detail)
