"""The hiring check page under load (issue 18): an institution admin's 入职查询 POST — the step
that runs the ban check and renders the answer — over HTTP, divided by the floor's /write/<pk>
POST (bare Django updating one row in a transaction) measured in the same run.

The "check" step is repeatable as it is in use: every POST checks another typed-in ID number
(BENCH_HIRING_PEOPLE, default 1,000, one in ten of them banned) and writes its BanCheck row;
nothing is hired, so the thousandth POST is as valid as the first. The admin's session cookie
and a CSRF token (cookie + form field, as a browser sends them) ride on every request. The
page's per-user rate limit (PAGE_RATE_HIRING_CHECK) is lifted for the server under load: one
user posting at wrk's pace is not what the limit is for. Skipped with a reason without wrk.

Figures: hiring_check_{rps,p99_ms,cpu_ms}, floor_write_*, hiring_check_p99_ratio and
hiring_check_cpu_ratio (report_ratio), hiring_check_ratio (= the p99 ratio, the issue's name).
"""

import datetime as dt
import os
import secrets
import urllib.request
from urllib.parse import urlencode

from bench.http import floor_server, floor_table, have_wrk, report_load, report_ratio, serving, wrk

PEOPLE = int(os.environ.get("BENCH_HIRING_PEOPLE", "1000"))
WARMUP = os.environ.get("BENCH_HTTP_WARMUP", "3s")


def _seed() -> tuple[list[str], str]:
    """The typed-in numbers to check (one in ten banned) and a logged-in admin's session key."""
    from django.test import Client

    from certification import pii
    from certification.idnumbers import build_resident_id
    from certification.models import BanEntry, StaffRole
    from tests.factories import OrganisationFactory, UserFactory, membership, region

    province = region("640000", "宁夏回族自治区")
    city = region("640100", "银川市", province)
    inst = OrganisationFactory(name="基准入职托育园", region=city)
    admin = UserFactory(email="bench-hiring@example.test")
    membership(admin, StaffRole.INSTITUTION_ADMIN, organisation=inst)
    numbers = [
        build_resident_id("640104", dt.date(1980, 1, 1) + dt.timedelta(days=i), 100 + i % 800)
        for i in range(PEOPLE)
    ]
    BanEntry.objects.bulk_create(
        [
            BanEntry(
                id_type="resident",
                id_cipher=pii.encrypt(number),
                id_index=pii.blind_index(number),
                id_masked="640104**********00",
                name=f"禁入{i}",
                ban_type=BanEntry.BanType.LIFETIME,
                reason_category=BanEntry.Reason.OTHER,
                decision_number=f"BH-{i}",
                authority="bench",
                effective_date=dt.date(2024, 1, 1),
                region=city,
            )
            for i, number in enumerate(numbers)
            if i % 10 == 0
        ]
    )
    client = Client()
    client.force_login(admin)
    return numbers, client.cookies["sessionid"].value


def _check_answers(server, headers: dict, body: str) -> None:
    """One POST by hand: the page must answer the check itself (a redirect to the login page
    would pass wrk's 2xx/3xx test and measure nothing)."""
    request = urllib.request.Request(  # noqa: S310
        server.url + "/hiring-check/", data=body.encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        page = response.read().decode()
        if response.url.rstrip("/") != server.url + "/hiring-check" or "打印查询记录" not in page:
            raise RuntimeError(f"the hiring check did not run: {response.url}")


def run(report) -> None:
    if not have_wrk():
        print("# bench_hiring skipped: wrk is not installed (Debian package wrk)", flush=True)
        return
    numbers, session_key = _seed()
    csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret, as the cookie holds
    headers = {
        "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    bodies = [
        urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "name": f"应聘{i}",
                "id_type": "resident",
                "id_number": number,
                "check": "1",
            }
        )
        for i, number in enumerate(numbers)
    ]

    floor_table(PEOPLE)
    with floor_server() as server:
        floor = wrk(
            server,
            [f"/write/{pk}" for pk in range(1, PEOPLE + 1)],
            method="POST",
            warmup=WARMUP,
        )
    report_load(report, "floor_write", floor)

    lifted = os.environ.get("PAGE_RATE_HIRING_CHECK")
    os.environ["PAGE_RATE_HIRING_CHECK"] = "1000000/s"
    try:
        with serving() as server:
            server.wait_ready("/hiring-check/", headers=headers)
            _check_answers(server, headers, bodies[1])
            load = wrk(
                server,
                ["/hiring-check/"] * len(bodies),
                headers=headers,
                method="POST",
                bodies=bodies,
                warmup=WARMUP,
            )
    finally:
        if lifted is None:
            os.environ.pop("PAGE_RATE_HIRING_CHECK")
        else:
            os.environ["PAGE_RATE_HIRING_CHECK"] = lifted
    report_load(report, "hiring_check", load)
    report_ratio(report, "hiring_check", load, floor)
    report("hiring_check_ratio", load.p99_ms / floor.p99_ms, "x")
