"""Compliance status at scale (issue 5): recompute, read, and per-entry upkeep on PostgreSQL.

Size: BENCH_COMPLIANCE_PEOPLE (default 200000) people x BENCH_COMPLIANCE_ENTRIES_PER_PERSON
(default 20) ledger entries, seeded with INSERT … SELECT generate_series. The size is part of
each figure's name when it differs from the issue's 200k/4M.

Figures: compliance_recompute_build_seconds (rebuild from an empty summary table: every row
created), compliance_recompute_seconds (check every summary after 1% were corrupted; all of
them corrected and reported), compliance_status_read_{prefecture,province}_ms (dashboard counts
for a tenth / all of the summaries, after the table is vacuumed as autovacuum would),
compliance_status_read_person_ms (person_compliance for one person),
compliance_hours_credit_ms with and without the summary upkeep, and their difference
compliance_per_entry_upkeep_ms; hours_credit_ratio (issue 18): hours_credit with its summary
upkeep over raw SQL doing the same ledger insert and summary update in one transaction, with
hours_credit_ms, hours_credit_floor_ms and hours_credit_statements.
"""

import datetime as dt
import os
import statistics
import time
from contextlib import nullcontext
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

PEOPLE = int(os.environ.get("BENCH_COMPLIANCE_PEOPLE", "200000"))
PER_PERSON = int(os.environ.get("BENCH_COMPLIANCE_ENTRIES_PER_PERSON", "20"))


def _seed(institution_ids: list[int]) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM certification_person")
        base = cur.fetchone()[0]
        cur.execute(
            """INSERT INTO certification_person (id_type, id_cipher, id_index, id_masked, name,
                   gender, phone, created_at)
               SELECT 'resident', '\\x00'::bytea, 'bench-' || g, '5301**********000X',
                      '压测' || g, '', '', now()
               FROM generate_series(1, %s) g""",
            [PEOPLE],
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('certification_person', 'id'), "
            "(SELECT MAX(id) FROM certification_person))"
        )
        # Two in three caregivers, one in three directors; anchors spread over 2018-2025.
        cur.execute(
            """INSERT INTO certification_employment (person_id, institution_id, role, start_date,
                   has_labour_contract, ui_contribution_months, flag_reason)
               SELECT p.id, (%s::int[])[1 + p.id %% %s],
                      CASE WHEN p.id %% 3 = 0 THEN 'director' ELSE 'caregiver' END,
                      DATE '2018-01-01' + (p.id %% 2900)::int, true, 0, ''
               FROM certification_person p WHERE p.id > %s""",
            [institution_ids, len(institution_ids), base],
        )
        cur.execute(
            """INSERT INTO certification_hourentry (person_id, date, hours, kind, source,
                   evidence, reason, created_at)
               SELECT p.id, DATE '2021-01-01' + ((p.id * 7 + g * 97) %% 2150)::int,
                      ((1 + (p.id + g) %% 40) / 10.0)::numeric(5,1),
                      CASE WHEN g %% 2 = 0 THEN 'theory' ELSE 'practice' END,
                      'import', '{}'::jsonb, '', now()
               FROM certification_person p CROSS JOIN generate_series(1, %s) g
               WHERE p.id > %s""",
            [PER_PERSON, base],
        )
        cur.execute("ANALYZE certification_hourentry")
        cur.execute("ANALYZE certification_person")
        cur.execute("ANALYZE certification_employment")


def _median_ms(fn, repeat: int = 20) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    timings.sort()
    return timings[len(timings) // 2] * 1000


def _bench_regions(Region) -> list:
    """Qingyuan (seeded) plus nine bench prefectures under Guangdong, so one prefecture's
    dashboard reads a tenth of the summaries and the province's reads them all."""
    province = Region.objects.get(code="440000")
    regions = [Region.objects.get(code="441800")]
    for i in range(1, 10):
        regions.append(
            Region.objects.create(
                code=f"4499{i:02d}",
                name=f"压测市{i}",
                level=Region.Level.PREFECTURE,
                parent=province,
            )
        )
    return regions


def run(report) -> None:
    from unittest import mock

    from django.db.models import Count

    from certification.models import CycleSummary, Organisation, Person, Region
    from certification.selectors.compliance import person_compliance
    from certification.selectors.dashboards import regulator_dashboard
    from certification.services.compliance_recompute import compliance_recompute
    from certification.services.hours import hours_credit

    suffix = "" if (PEOPLE, PER_PERSON) == (200000, 20) else f"_{PEOPLE}p_{PEOPLE * PER_PERSON}e"
    regions = _bench_regions(Region)
    institutions = [
        Organisation.objects.create(
            name=f"压测托育机构{i}",
            kind=Organisation.Kind.INSTITUTION,
            region=regions[i % 10],
            credit_code=f"9144180BENCH{i:06d}",
            nature=Organisation.Nature.choices[0][0],
        ).pk
        for i in range(20)
    ]
    started = time.perf_counter()
    _seed(institutions)
    print(
        f"# seeded {PEOPLE} people / {PEOPLE * PER_PERSON} entries in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )

    # 1. Recompute: a rebuild from an empty summary table (every row created), then a check
    #    of a consistent table after 1% of the rows were corrupted.
    started = time.perf_counter()
    result = compliance_recompute()
    report(f"compliance_recompute_build_seconds{suffix}", time.perf_counter() - started, "s")
    print(
        f"# rebuild: {result.checked} summaries, {result.created} created, "
        f"{result.statements_enqueued} statements enqueued",
        flush=True,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE certification_cyclesummary")
        cur.execute(
            "UPDATE certification_cyclesummary SET practice_hours = practice_hours + 1 "
            "WHERE id % 100 = 0"
        )
        corrupted = cur.rowcount
    started = time.perf_counter()
    result = compliance_recompute()
    report(f"compliance_recompute_seconds{suffix}", time.perf_counter() - started, "s")
    print(
        f"# recompute: {result.checked} summaries checked, {len(result.corrections)} "
        f"corrected of {corrupted} corrupted",
        flush=True,
    )
    assert len(result.corrections) == corrupted, "recompute missed a corrupted summary"

    # 2. Status reads: a prefecture's and the province's dashboard counts, one person's status.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE certification_cyclesummary")
    prefecture, province = regions[1], Region.objects.get(code="440000")
    qs = CycleSummary.objects.filter(region_path__startswith=prefecture.path)
    print(
        "# plan: "
        + qs.values_list("status")
        .annotate(n=Count("id"))
        .order_by()
        .explain()
        .replace("\n", " | "),
        flush=True,
    )
    report(
        f"compliance_status_read_prefecture_ms{suffix}",
        _median_ms(lambda: regulator_dashboard(region=prefecture)),
        "ms",
    )
    report(
        f"compliance_status_read_province_ms{suffix}",
        _median_ms(lambda: regulator_dashboard(region=province)),
        "ms",
    )
    sample = list(
        Person.objects.filter(id_index__startswith="bench-")
        .order_by("pk")
        .values_list("pk", flat=True)[:: max(PEOPLE // 20, 1)]
    )
    people = iter(Person.objects.in_bulk(sample).values())
    report(
        f"compliance_status_read_person_ms{suffix}",
        _median_ms(lambda: person_compliance(next(people)), repeat=len(sample)),
        "ms",
    )

    # 3. Per-entry upkeep: hours_credit for 1000 people, alternately with the summary kept
    #    current and with the compliance hook patched out (so load spikes hit both alike);
    #    medians per call, the difference is the upkeep.
    pks = list(
        Person.objects.filter(id_index__startswith="bench-")
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    persons = list(Person.objects.filter(pk__in=pks).order_by("pk"))
    rows_before = CycleSummary.objects.count()
    timings: dict[bool, list[float]] = {True: [], False: []}
    for i, person in enumerate(persons):
        upkeep = i % 2 == 0
        with (
            mock.patch(
                "certification.services.hours.compliance_on_hour_entry",
                lambda **kwargs: None,
            )
            if not upkeep
            else nullcontext()
        ):
            started = time.perf_counter()
            hours_credit(
                person=person,
                date=dt.date(2026, 1, 5),
                hours=Decimal("1.0"),
                kind="theory",
                source="import",
            )
            timings[upkeep].append((time.perf_counter() - started) * 1000)
    with_upkeep, without = (statistics.median(timings[flag]) for flag in (True, False))
    report(f"compliance_hours_credit_ms{suffix}", with_upkeep, "ms")
    report(f"compliance_hours_credit_without_upkeep_ms{suffix}", without, "ms")
    report(f"compliance_per_entry_upkeep_ms{suffix}", with_upkeep - without, "ms")
    print(
        f"# {CycleSummary.objects.count() - rows_before} summaries created by postings", flush=True
    )

    # 4. hours_credit_ratio (issue 18): the posting the heartbeat and the API make (an
    #    external_ref, the daily cap, the summary kept current, the audit row), against raw SQL
    #    doing the same ledger insert and summary update in one transaction; alternating, for
    #    the same 1000 people on two fresh days (so neither meets a daily cap).
    credit_ms, floor_ms = [], []
    for person in persons:
        started = time.perf_counter()
        hours_credit(
            person=person,
            date=dt.date(2026, 1, 6),
            hours=Decimal("1.0"),
            kind="theory",
            source="online",
            external_ref=f"bench-credit:{person.pk}",
        )
        credit_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        _raw_credit(person.pk, dt.date(2026, 1, 7))
        floor_ms.append((time.perf_counter() - started) * 1000)
    credit, floor = statistics.median(credit_ms), statistics.median(floor_ms)
    report(f"hours_credit_ms{suffix}", credit, "ms")
    report(f"hours_credit_floor_ms{suffix}", floor, "ms")
    report(f"hours_credit_ratio{suffix}", credit / floor, "x")
    with CaptureQueriesContext(connection) as queries:
        hours_credit(
            person=persons[0],
            date=dt.date(2026, 1, 8),
            hours=Decimal("1.0"),
            kind="theory",
            source="online",
            external_ref=f"bench-credit-count:{persons[0].pk}",
        )
    print("# hours_credit: " + " | ".join(q["sql"][:50] for q in queries), flush=True)
    # Statements sent, BEGIN and COMMIT included (the floor: 4).
    report(f"hours_credit_statements{suffix}", len(queries), "statements")


def _raw_credit(person_id: int, day: dt.date) -> None:
    """hours_credit's floor: the ledger row and the summary's hours, raw SQL, one transaction."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """INSERT INTO certification_hourentry (person_id, date, hours, kind, source,
                   evidence, external_ref, reason, created_at)
               VALUES (%s, %s, 1.0, 'theory', 'online', '{}'::jsonb, %s, '', now())""",
            [person_id, day, f"bench-floor:{person_id}:{day}"],
        )
        cur.execute(
            """UPDATE certification_cyclesummary SET theory_hours = theory_hours + 1.0,
                   updated_at = now()
               WHERE person_id = %s AND start_date <= %s AND end_date >= %s""",
            [person_id, day, day],
        )
