"""Ban register bench (issue 6): single check against a large register, in-process and through
the hiring-check page; batch yearly re-check of 100,000 employments.

Filler rows share one ciphertext (only id_index is looked up); their id_index values are real
HMACs computed in Python in chunks of 50k. PostgreSQL: 1,000,000 entries via COPY
(BENCH_BAN_REGISTER for another size, then in the metric names).

ban_check_ratio (issue 18): the in-process check the gates call (hiring: name and birth date
given, so a miss also looks for a near match; half the probes hit) over its floor, a bare
keyed-hash lookup + audit_record + commit, the two alternating in one loop; medians, and the
statements one check sends on a miss and on a hit (commit included)."""

import datetime as dt
import hashlib
import hmac
import os
import statistics
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

CHUNK = 50_000
REGISTER = int(os.environ.get("BENCH_BAN_REGISTER", "1000000"))


def _hmac(i: int) -> str:
    return hmac.new(
        settings.PII_INDEX_KEY.encode(), f"id:bench-{i}".encode(), hashlib.sha256
    ).hexdigest()


def _fill_register(n: int, region, cipher: bytes) -> None:
    today = dt.date(2024, 1, 1)
    cols = (
        "id_type, id_cipher, id_index, id_masked, name, birth_date, ban_type, "
        "reason_category, reason_detail, decision_number, authority, effective_date, "
        "institution_name, involvement, region_id, status, annulment_decision_number, "
        "annulment_reason, created_at"
    )
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY certification_banentry ({cols}) FROM STDIN") as copy,
    ):  # noqa: S608
        for start in range(0, n, CHUNK):
            for i in range(start, min(n, start + CHUNK)):
                copy.write_row(
                    (
                        "resident",
                        cipher,
                        _hmac(i),
                        "530***********000X",
                        f"填充{i % 9973}",
                        dt.date(1970 + i % 30, 1 + i % 12, 1),
                        "lifetime",
                        "other",
                        "",
                        f"B{i}",
                        "bench",
                        today,
                        "",
                        "offender",
                        region.pk,
                        "active",
                        "",
                        "",
                        dt.datetime.now(dt.UTC),
                    )
                )
    with connection.cursor() as cur:
        cur.execute("ANALYZE certification_banentry")


def _floor_check(index: str, actor) -> None:
    """The ban check's floor: the keyed-hash lookup by index, one audit row, the commit —
    written as bare as possible (raw SQL for the lookup; the audit row as every write makes it)."""
    from certification.audit import audit_record

    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id FROM certification_banentry WHERE id_index = %s AND status = 'active' "
                "LIMIT 1",
                [index],
            )
            row = cur.fetchone()
        audit_record(actor=actor, action="bench.ban_floor", data={"hit": row is not None})


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def run(report) -> None:
    from certification import pii
    from certification.idnumbers import build_resident_id
    from certification.models import Employment, Person, StaffRole
    from certification.services.bans import ban_check, ban_yearly_recheck
    from tests.factories import OrganisationFactory, UserFactory, membership, region

    size = REGISTER
    tag = "" if size == 1_000_000 else f"_{size}"
    yunnan = region("530000", "云南省")
    kunming = region("530100", "昆明市", yunnan)
    inst = OrganisationFactory(name="基准托育园", region=kunming)
    admin = UserFactory(email="bench-inst@example.test")
    membership(admin, StaffRole.INSTITUTION_ADMIN, organisation=inst)
    cipher = pii.encrypt("530102199001010000")
    started = time.perf_counter()
    _fill_register(size, kunming, cipher)
    report(f"ban_register_fill_seconds{tag}", time.perf_counter() - started, "s")

    probes = [_hmac(i * 7919 % size) if i % 2 else _hmac(size + i) for i in range(1000)]
    samples, floor_samples = [], []
    for index in probes:
        # The check and its floor alternate, so a load spike on the machine hits both alike.
        t = time.perf_counter()
        ban_check(
            id_index=index,
            purpose="hiring",
            actor=admin,
            actor_role="institution_admin",
            organisation=inst,
            name="无此人",
            birth_date=dt.date(1990, 1, 1),
            id_masked="530***********000X",
        )
        samples.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        _floor_check(index, admin)
        floor_samples.append((time.perf_counter() - t) * 1000)
    med, p99 = _percentiles(samples)
    floor_med = statistics.median(floor_samples)
    from certification.selectors.bans import bans_in_force

    plan = (
        bans_in_force()
        .filter(Q(id_index=probes[0]) | Q(name="无此人", birth_date=dt.date(1990, 1, 1)))
        .explain()
    )
    print("# ban check plan: " + plan.replace("\n", " | "), flush=True)
    report(f"ban_check_median_ms{tag}", med, "ms")
    report(f"ban_check_p99_ms{tag}", p99, "ms")
    report(f"ban_check_ms{tag}", med, "ms")
    report(f"ban_check_floor_ms{tag}", floor_med, "ms")
    report(f"ban_check_ratio{tag}", med / floor_med, "x")
    for label, index in (("miss", _hmac(size + 5000)), ("hit", _hmac(7))):
        with CaptureQueriesContext(connection) as queries:
            ban_check(
                id_index=index,
                purpose="hiring",
                actor=admin,
                organisation=inst,
                name="无此人",
                birth_date=dt.date(1990, 1, 1),
            )
        print(f"# ban check {label}: " + " | ".join(q["sql"][:60] for q in queries), flush=True)
        # Statements sent, BEGIN and COMMIT included (autocommit: the check opens its own).
        report(f"ban_check_statements_{label}{tag}", len(queries), "statements")

    client = Client()
    client.force_login(admin)
    url = reverse("certification:hiring_check")
    samples = []
    # 300 checks by one admin in a few seconds: past the page's per-user limit, lifted here.
    with override_settings(PAGE_RATE_HIRING_CHECK="1000000/s"):
        for i in range(300):
            number = build_resident_id("530102", dt.date(1990, 1, 1) + dt.timedelta(days=i), 101)
            t = time.perf_counter()
            resp = client.post(
                url, {"name": "测试", "id_type": "resident", "id_number": number, "check": "1"}
            )
            samples.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, resp.status_code
    med, p99 = _percentiles(samples)
    report(f"ban_check_page_median_ms{tag}", med, "ms")
    report(f"ban_check_page_p99_ms{tag}", p99, "ms")

    n_emp = 100_000
    for start in range(0, n_emp, CHUNK):
        Person.objects.bulk_create(
            [
                Person(
                    id_type="resident",
                    id_cipher=cipher,
                    id_index=_hmac(i * 3) if i % 1000 == 0 else _hmac(size + 10_000 + i),
                    id_masked="530***********000X",
                    name=f"员工{i}",
                    region=kunming,
                )
                for i in range(start, min(n_emp, start + CHUNK))
            ],
            batch_size=5000,
        )
    person_ids = list(Person.objects.filter(name__startswith="员工").values_list("pk", flat=True))
    for start in range(0, len(person_ids), CHUNK):
        Employment.objects.bulk_create(
            [
                Employment(
                    person_id=pk, institution=inst, role="caregiver", start_date=dt.date(2023, 1, 1)
                )
                for pk in person_ids[start : start + CHUNK]
            ],
            batch_size=5000,
        )
    t = time.perf_counter()
    result = ban_yearly_recheck()
    report(f"ban_recheck_100k_seconds{tag}", time.perf_counter() - t, "s")
    report(f"ban_recheck_100k_hits{tag}", result["hits"], "hits")
