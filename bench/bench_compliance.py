"""Compliance status at scale (issue 5): recompute, read, and per-entry upkeep on PostgreSQL.

Size: BENCH_COMPLIANCE_PEOPLE (default 200000) people x BENCH_COMPLIANCE_ENTRIES_PER_PERSON
(default 20) ledger entries, seeded with INSERT … SELECT generate_series. The size is part of
each figure's name when it differs from the issue's 200k/4M.
"""

import datetime as dt
import os
import time
from decimal import Decimal

from django.db import connection, transaction

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
               FROM generate_series(1, %s) g""", [PEOPLE])
        cur.execute("SELECT setval(pg_get_serial_sequence('certification_person', 'id'), "
                    "(SELECT MAX(id) FROM certification_person))")
        # Two in three caregivers, one in three directors; anchors spread over 2018-2025.
        cur.execute(
            """INSERT INTO certification_employment (person_id, institution_id, role, start_date,
                   has_labour_contract, ui_contribution_months, flag_reason)
               SELECT p.id, (%s::int[])[1 + p.id %% %s],
                      CASE WHEN p.id %% 3 = 0 THEN 'director' ELSE 'caregiver' END,
                      DATE '2018-01-01' + (p.id %% 2900)::int, true, 0, ''
               FROM certification_person p WHERE p.id > %s""",
            [institution_ids, len(institution_ids), base])
        cur.execute(
            """INSERT INTO certification_hourentry (person_id, date, hours, kind, source,
                   evidence, reason, created_at)
               SELECT p.id, DATE '2021-01-01' + ((p.id * 7 + g * 97) %% 2150)::int,
                      ((1 + (p.id + g) %% 40) / 10.0)::numeric(5,1),
                      CASE WHEN g %% 2 = 0 THEN 'theory' ELSE 'practice' END,
                      'import', '{}'::jsonb, '', now()
               FROM certification_person p CROSS JOIN generate_series(1, %s) g
               WHERE p.id > %s""", [PER_PERSON, base])
        cur.execute("ANALYZE certification_hourentry")
        cur.execute("ANALYZE certification_person")
        cur.execute("ANALYZE certification_employment")


def run(report) -> None:
    if connection.vendor != "postgresql":
        print("# bench_compliance skipped: needs PostgreSQL")
        return
    from certification.models import HourEntry, Organisation, Person, Region
    from certification.selectors.compliance import compliance_status_counts
    from certification.services.compliance import compliance_on_hour_entry
    from certification.services.compliance_recompute import compliance_recompute

    suffix = "" if (PEOPLE, PER_PERSON) == (200000, 20) else f"_{PEOPLE}p_{PEOPLE * PER_PERSON}e"
    qingyuan = Region.objects.get(code="441800")  # created by the seed migration
    institutions = [Organisation.objects.create(
        name=f"压测托育机构{i}", kind=Organisation.Kind.INSTITUTION, region=qingyuan,
        credit_code=f"9144180BENCH{i:06d}", nature=Organisation.Nature.choices[0][0]).pk
        for i in range(20)]
    started = time.perf_counter()
    _seed(institutions)
    print(f"# seeded {PEOPLE} people / {PEOPLE * PER_PERSON} entries in "
          f"{time.perf_counter() - started:.1f} s", flush=True)

    started = time.perf_counter()
    result = compliance_recompute(chunk_size=5000)
    report(f"compliance_recompute_seconds{suffix}", time.perf_counter() - started, "s")
    print(f"# recompute: {result.checked} summaries, {result.created} created", flush=True)

    province = Region.objects.get(code="440000")
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        compliance_status_counts(region_path=province.path)
        timings.append(time.perf_counter() - started)
    timings.sort()
    report(f"compliance_status_read_ms{suffix}", timings[len(timings) // 2] * 1000, "ms")

    people = list(Person.objects.filter(id_index__startswith="bench-").order_by("pk")
                  .values_list("pk", flat=True)[:1000])
    started = time.perf_counter()
    for pk in people:
        with transaction.atomic():
            entry = HourEntry.objects.create(person_id=pk, date=dt.date(2026, 1, 5),
                                             hours=Decimal("1.0"), kind="theory",
                                             source="import")
            compliance_on_hour_entry(entry=entry)
    report(f"compliance_per_entry_ms{suffix}",
           (time.perf_counter() - started) * 1000 / max(len(people), 1), "ms")
