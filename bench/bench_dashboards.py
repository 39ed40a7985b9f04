"""Regulator dashboard at scale (issue 8, D-31): server time of the page and of its xlsx export
for a province regulator, against the bare-Django floor measured in the same run.

Size: BENCH_DASHBOARD_WORKERS (default 100000) workers x BENCH_DASHBOARD_ENTRIES_PER_WORKER
(default 20) ledger entries in one province of 10 cities x 5 counties x 20 institutions, seeded
with INSERT … SELECT generate_series, plus their CycleSummary rows (one current cycle each, one
in ten also a lapsed earlier cycle), ~40 % of them with a training certificate (1 % revoked),
subsidy applications on a quarter of those (half paid through monthly batches), ban checks
(1 % hits) and yearly health checks and trainings (the page counts everyone's D-36 standing). The summaries are seeded directly (what `recompute_compliance` maintains), so the
figure is the dashboard's read cost, not the recompute's. The size is part of each figure's name
when it differs from the issue's 100k/2M.

Each figure is the median of BENCH_DASHBOARD_RUNS (default 7) requests through
django.test.Client with the full middleware stack and a logged-in province regulator.
`dashboard_page_ratio` (goal ≤ 2×, issue 18) divides the page by its floor, its own grouped
summary query run bare through a cursor; `dashboard_floor_ms` is a trivial view served through
the same stack (this module doubles as the URLconf, with cms.urls included below the floor
route), the share of middleware and routing.
"""

import os
import statistics
import time

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

WORKERS = int(os.environ.get("BENCH_DASHBOARD_WORKERS", "100000"))
PER_WORKER = int(os.environ.get("BENCH_DASHBOARD_ENTRIES_PER_WORKER", "20"))
RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "7"))
PROVINCE = "990000"  # a code no fixture uses
CITIES, COUNTIES_PER_CITY, INSTITUTIONS_PER_COUNTY = 10, 5, 20


def floor_view(request):
    """The bare-Django floor: no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench-floor/", floor_view),
    path("", include("cms.urls")),
]


def _regions():
    from certification.models import Region

    province = Region.objects.create(code=PROVINCE, name="压测省", level="province")
    counties = []
    for c in range(1, CITIES + 1):
        city = Region.objects.create(
            code=f"99{c:02d}00", name=f"压测市{c}", level="prefecture", parent=province
        )
        for k in range(1, COUNTIES_PER_CITY + 1):
            counties.append(
                Region.objects.create(
                    code=f"99{c:02d}{k:02d}", name=f"压测县{c}-{k}", level="county", parent=city
                )
            )
    return province, counties


def _seed(*, counties, user_id: int) -> None:
    from certification.models import Organisation

    institutions = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"压测托育机构{i}",
                kind=Organisation.Kind.INSTITUTION,
                region=counties[i % len(counties)],
                credit_code=f"91990000B{i:09d}",
                nature=Organisation.Nature.choices[0][0],
            )
            for i in range(len(counties) * INSTITUTIONS_PER_COUNTY)
        ]
    )
    base = Organisation.objects.create(
        name="压测培训基地",
        kind=Organisation.Kind.TRAINING_BASE,
        region=counties[0],
        credit_code="91990000BASE000001",
        nature=Organisation.Nature.choices[0][0],
    )
    inst_ids = [o.pk for o in institutions]
    county_codes = [c.code for c in counties]
    county_paths = [c.path for c in counties]
    n_inst = len(inst_ids)
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM certification_person")
        first = cur.fetchone()[0]
        # person i works at institution (i % n_inst), which lies in county (i % n_inst) % 50
        # = i % 50 (n_inst is a multiple of the county count), so region and employer agree.
        cur.execute(
            """INSERT INTO certification_person (id_type, id_cipher, id_index, id_masked, name,
                   gender, phone, region_id, created_at)
               SELECT 'resident', '\\x00'::bytea, 'dash-' || g, '9901**********000X',
                      '压测' || g, '', '', (%s::text[])[1 + g %% %s], now()
               FROM generate_series(1, %s) g""",
            [county_codes, len(county_codes), WORKERS],
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('certification_person', 'id'), "
            "(SELECT MAX(id) FROM certification_person))"
        )
        cur.execute(
            """CREATE TEMP TABLE bench_w AS
               SELECT p.id AS person_id, (%s::int[])[1 + (p.id - %s) %% %s] AS institution_id,
                      (%s::text[])[1 + (p.id - %s) %% %s] AS region_path,
                      CASE WHEN p.id %% 3 = 0 THEN 'director' ELSE 'caregiver' END AS role
               FROM certification_person p WHERE p.id > %s""",
            [inst_ids, first, n_inst, county_paths, first, len(county_paths), first],
        )
        cur.execute(
            """INSERT INTO certification_employment (person_id, institution_id, role, start_date,
                   has_labour_contract, ui_contribution_months, flag_reason)
               SELECT person_id, institution_id, role,
                      DATE '2018-01-01' + (person_id % 2900)::int, true, 24, ''
               FROM bench_w"""
        )
        cur.execute(
            """INSERT INTO certification_hourentry (person_id, date, hours, kind, source,
                   evidence, reason, created_at)
               SELECT w.person_id, DATE '2021-01-01' + ((w.person_id * 7 + g * 97) %% 2150)::int,
                      ((1 + (w.person_id + g) %% 40) / 10.0)::numeric(5,1),
                      CASE WHEN g %% 2 = 0 THEN 'theory' ELSE 'practice' END,
                      'import', '{}'::jsonb, '', now()
               FROM bench_w w CROSS JOIN generate_series(1, %s) g""",
            [PER_WORKER],
        )
        # Current cycles: 30 % met, 30 % on track, 40 % behind; one in ten also has a lapsed
        # first cycle (what the recompute maintains and the dashboard reads).
        cur.execute(
            """INSERT INTO certification_cyclesummary (person_id, role, cycle_number, start_date,
                   end_date, required_total, required_theory, required_practice, theory_hours,
                   practice_hours, status, region_path, institution_id, updated_at)
               SELECT person_id, role, CASE WHEN person_id % 10 = 9 THEN 2 ELSE 1 END,
                      DATE '2023-01-01' + (person_id % 1000)::int,
                      DATE '2023-01-01' + (person_id % 1000)::int + 1825,
                      120, 60, 60, (person_id % 70)::numeric, (person_id % 65)::numeric,
                      CASE WHEN person_id % 10 < 3 THEN 'met'
                           WHEN person_id % 10 < 6 THEN 'on_track' ELSE 'behind' END,
                      region_path, institution_id, now()
               FROM bench_w
               UNION ALL
               SELECT person_id, role, 1, DATE '2018-01-01', DATE '2022-12-31', 120, 60, 60,
                      20, 10, 'lapsed', region_path, institution_id, now()
               FROM bench_w WHERE person_id % 10 = 9"""
        )
        cur.execute(
            """INSERT INTO certification_certificate (kind, serial, verification_code,
                   issuer_name, occupation, external_number, hours, issue_date, status,
                   revoked_at, revocation_reason, pdf, created_at, person_id, issuer_id,
                   region_id)
               SELECT 'training', 'BENCH-' || person_id, 'bench-code-' || person_id, '压测培训基地',
                      '', '', 12, DATE '2024-01-01' + (person_id %% 1080)::int,
                      CASE WHEN person_id %% 97 = 0 THEN 'revoked' ELSE 'valid' END,
                      CASE WHEN person_id %% 97 = 0
                           THEN TIMESTAMPTZ '2025-06-01' + (person_id %% 300) * INTERVAL '1 day'
                      END,
                      CASE WHEN person_id %% 97 = 0 THEN '压测撤销' ELSE '' END, '', now(),
                      person_id, %s, split_part(region_path, '/', 3)
               FROM bench_w WHERE person_id %% 5 IN (0, 1)""",
            [base.pk],
        )
        cur.execute(
            """INSERT INTO certification_subsidyapplication (subsidy_type, status, amount,
                   eligibility, submitted_at, decision_reason, approved_at, created_at,
                   certificate_id, created_by_id, institution_id, person_id, region_id,
                   recovery_reason)
               SELECT 'training', CASE WHEN c.id %% 8 = 0 THEN 'paid' ELSE 'approved' END,
                      1500.00, '[]'::jsonb, c.issue_date + 10, '', c.issue_date + 30, now(),
                      c.id, %s, w.institution_id, c.person_id,
                      split_part(w.region_path, '/', 3), ''
               FROM certification_certificate c JOIN bench_w w ON w.person_id = c.person_id
               WHERE c.id %% 4 = 0 AND c.status = 'valid'""",
            [user_id],
        )
        cur.execute(
            """INSERT INTO certification_paymentbatch (month, status, created_at, paid_at,
                   bank_reference, created_by_id, region_id)
               SELECT DATE '2025-01-01' + (m * INTERVAL '1 month'), 'paid', now(),
                      TIMESTAMPTZ '2025-01-20' + (m * INTERVAL '1 month'), '', %s, %s
               FROM generate_series(0, 11) m""",
            [user_id, PROVINCE],
        )
        cur.execute(
            """INSERT INTO certification_paymentline (amount, created_at, batch_id, application_id,
                   void_reason)
               SELECT a.amount, now(),
                      (SELECT MIN(id) FROM certification_paymentbatch WHERE region_id = %s)
                        + a.id %% 12, a.id, ''
               FROM certification_subsidyapplication a
               WHERE a.status = 'paid' AND a.region_id LIKE '99%%'""",
            [PROVINCE],
        )
        cur.execute(
            """INSERT INTO certification_bancheck (at, actor_role, purpose, id_index, result,
                   region_path, subject_id_masked, subject_name)
               SELECT TIMESTAMPTZ '2024-01-01' + (g %% 1050) * INTERVAL '1 day', 'institution_admin',
                      'hiring', 'bench-' || g, CASE WHEN g %% 100 = 0 THEN 'hit' ELSE 'clear' END,
                      (%s::text[])[1 + g %% %s], '', ''
               FROM generate_series(1, %s) g""",
            [county_paths, len(county_paths), max(WORKERS // 2, 1)],
        )
        # D-36 yearly health care (issue 18: the page counts everyone's standing): four in five
        # checked, one in two of those also a year earlier, one in 33 latest unfit; seven in ten
        # with a health-care training.
        cur.execute(
            """INSERT INTO certification_healthcheck (person_id, institution_id, check_date,
                   result, hospital, certificate_number, valid_until, created_at)
               SELECT w.person_id, w.institution_id, d.day,
                      CASE WHEN y = 0 AND w.person_id % 33 = 0 THEN 'unfit' ELSE 'fit' END,
                      '压测医院',
                      CASE WHEN y = 0 AND w.person_id % 33 = 0 THEN '' ELSE 'HC-' || w.person_id END,
                      CASE WHEN y = 0 AND w.person_id % 33 = 0 THEN NULL ELSE d.day + 364 END,
                      now()
               FROM bench_w w CROSS JOIN generate_series(0, 1) y
               CROSS JOIN LATERAL (SELECT CURRENT_DATE - (w.person_id % 420)::int - 365 * y
                                   AS day) d
               WHERE w.person_id % 5 <> 0 AND (y = 0 OR w.person_id % 2 = 0)"""
        )
        cur.execute(
            """INSERT INTO certification_healthtraining (person_id, institution_id,
                   training_date, hours, provider, created_at)
               SELECT person_id, institution_id, CURRENT_DATE - (person_id % 400)::int, 4.0,
                      '压测培训', now()
               FROM bench_w WHERE person_id % 10 < 7"""
        )
        cur.execute("DROP TABLE bench_w")
        for table in (
            "person",
            "employment",
            "hourentry",
            "cyclesummary",
            "certificate",
            "subsidyapplication",
            "paymentline",
            "bancheck",
            "healthcheck",
            "healthtraining",
            "organisation",
        ):
            cur.execute(f"ANALYZE certification_{table}")


def _summary_query_ms(province) -> float:
    """The page's floor (issue 18): its one grouped query over the maintained summaries
    (current and lapsed cycles of the subtree by child region × role × status), run bare
    through a cursor, median of RUNS after a warm-up."""
    from django.utils import timezone

    sql = """SELECT substr(region_path, 1, %s), role, status, count(*)
             FROM certification_cyclesummary
             WHERE ((start_date <= %s AND end_date >= %s) OR status = 'lapsed')
               AND region_path LIKE %s
             GROUP BY 1, 2, 3"""
    today = timezone.localdate()
    params = [len(province.path) + 7, today, today, province.path + "%"]
    timings = []
    with connection.cursor() as cur:
        for _ in range(RUNS + 1):
            started = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[1:])


def _median_ms(
    client, url: str, params: dict | None = None, *, expect: int = 200, clock=time.perf_counter
) -> float:
    """Median ms of RUNS requests after a warm-up; with clock=time.process_time, the CPU this
    process spent (the app's share, without the database's)."""
    response = client.get(url, params or {})  # warm-up (template and query-plan caches)
    assert response.status_code == expect, response.status_code
    timings = []
    for _ in range(RUNS):
        started = clock()
        response = client.get(url, params or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        timings.append((clock() - started) * 1000)
        assert response.status_code == expect
    return statistics.median(timings)


def run(report) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings
    from django.urls import reverse

    from certification.models import CycleSummary, StaffMembership, StaffRole

    suffix = "" if (WORKERS, PER_WORKER) == (100000, 20) else f"_{WORKERS}w_{WORKERS * PER_WORKER}e"
    province, counties = _regions()
    user = get_user_model().objects.create(
        email="bench-regulator@example.test", display_name="压测监管"
    )
    StaffMembership.objects.create(user=user, role=StaffRole.REGULATOR, region=province)
    started = time.perf_counter()
    _seed(counties=counties, user_id=user.pk)
    print(
        f"# seeded {WORKERS} workers / {WORKERS * PER_WORKER} ledger entries / "
        f"{CycleSummary.objects.count()} summaries in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
        client = Client()
        client.force_login(user)
        url = reverse("certification:regulator_dashboard")
        floor = _median_ms(client, "/bench-floor/")
        page = _median_ms(client, url)
        page_cpu = _median_ms(client, url, clock=time.process_time)
        export = _median_ms(client, url, {"format": "xlsx"})
        county = _median_ms(client, url, {"region": counties[0].code})
        floor_again = _median_ms(client, "/bench-floor/")
    floor = min(floor, floor_again)
    summary = _summary_query_ms(province)
    report(f"dashboard_floor_ms{suffix}", floor, "ms")
    report(f"dashboard_summary_query_ms{suffix}", summary, "ms")
    report(f"dashboard_page_ms{suffix}", page, "ms")
    report(f"dashboard_page_cpu_ms{suffix}", page_cpu, "ms")
    report(f"dashboard_export_ms{suffix}", export, "ms")
    report(f"dashboard_county_page_ms{suffix}", county, "ms")
    # The goal's figure: the page against its own summary query (≤ 2×).
    report(f"dashboard_page_ratio{suffix}", page / summary if summary else 0.0, "x")
