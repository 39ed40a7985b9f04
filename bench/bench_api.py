"""Data-exchange API and public verification under load (issues 8, 18): the compliance answer,
the API verify endpoint and the public /verify/<code>/ page, each divided by the floor measured
in the same run (bench/floor /row/<pk>: bare Django reading one row of a table as large as the
seeded people).

bench/http.py's harness: gunicorn (2 gthread workers × 8 threads, persistent connections) and
wrk with 32 connections, rotating over BENCH_API_PEOPLE (default 1,000) seeded people /
certificates with one regulator key. Each measured run follows a short warm-up run over the
same paths (BENCH_HTTP_WARMUP, default 3s) so cold workers (imports, first connections,
first-use credential status indexes) do not decide the p99. Skipped with a reason without wrk.
"""

import datetime as dt
import os
from decimal import Decimal

from bench.http import floor_server, floor_table, have_wrk, report_load, report_ratio, serving, wrk

PEOPLE = int(os.environ.get("BENCH_API_PEOPLE", "1000"))
WARMUP = os.environ.get("BENCH_HTTP_WARMUP", "3s")
COURSE_SLUG = "bench-api-course"


def _course():
    """A training course page under the site's root page (its URL resolves, as in production)."""
    from wagtail.models import Page, Site

    from cms.models import CoursePage

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    parent = site.root_page if site else Page.get_first_root_node()
    return parent.add_child(
        instance=CoursePage(
            title="基准接口托育从业人员岗前培训",
            slug=COURSE_SLUG,
            code="BENCH-API",
            theory_hours=Decimal("8"),
            practice_hours=Decimal("0"),
            has_theory_test=False,
            has_practical_assessment=False,
            audience_roles=["all"],
        )
    )


def _seed():
    """PEOPLE caregivers at one institution in their own province (so other benches' regional
    figures are untouched), each with a maintained cycle summary and one training certificate
    of a course."""
    from certification import pii
    from certification.api.auth import api_key_create
    from certification.models import (
        ApiKey,
        Certificate,
        Employment,
        Organisation,
        Person,
        StatusList,
    )
    from certification.models.credentials import STATUS_LIST_SIZE
    from certification.services.compliance import compliance_on_employment_change
    from tests.factories import OrganisationFactory
    from tests.factories import region as make_region

    province = make_region("650000", "新疆维吾尔自治区")
    city = make_region("650100", "乌鲁木齐市", province)
    inst = OrganisationFactory(name="基准接口托育园", region=city)
    base = OrganisationFactory(
        name="基准接口培训基地", region=city, kind=Organisation.Kind.TRAINING_BASE
    )
    course = _course()
    cipher = pii.encrypt("650102199001010000")
    people = Person.objects.bulk_create(
        [
            Person(
                name=f"接口{i}",
                id_type="resident",
                id_cipher=cipher,
                id_index=f"bench-api-{i}",
                id_masked="650102**********00",
                region=city,
                birth_date=dt.date(1990, 1, 1),
            )
            for i in range(PEOPLE)
        ]
    )
    Employment.objects.bulk_create(
        [
            Employment(
                person=p,
                institution=inst,
                role="caregiver",
                start_date=dt.date(2022, 1, 1) + dt.timedelta(days=i % 900),
            )
            for i, p in enumerate(people)
        ]
    )
    for p in people:
        compliance_on_employment_change(person=p)
    # Credentials' status-list entries as after their first use (they are given on first use,
    # under the province list's row lock: the steady state is an entry per certificate).
    listed, _ = StatusList.objects.get_or_create(
        province=province, defaults={"bits": bytes(STATUS_LIST_SIZE // 8)}
    )
    start = listed.next_index
    listed.next_index = start + PEOPLE
    listed.save(update_fields=["next_index"])
    certs = Certificate.objects.bulk_create(
        [
            Certificate(
                kind="training",
                serial=f"BA-2026-{i:06d}",
                verification_code=f"bench-api-code-{i:06d}",
                person=p,
                course=course,
                hours=Decimal("8"),
                issuer=base,
                issuer_name=base.name,
                issue_date=dt.date(2026, 1, 1),
                status_list_index=start + i,
            )
            for i, p in enumerate(people)
        ]
    )
    _key, secret = api_key_create(
        actor=None, name="基准监管系统", role=ApiKey.Role.REGULATOR, region=province
    )
    return ([p.pk for p in people], [c.verification_code for c in certs], secret)


def _cleanup() -> None:
    """Take the seeded rows out again so later benches see the database they expect (the audit
    rows of the key and its service account stay: the trail is append-only)."""
    from certification.models import (
        ApiKey,
        Certificate,
        CycleSummary,
        Employment,
        Organisation,
        Person,
    )
    from cms.models import CoursePage

    people = Person.objects.filter(id_index__startswith="bench-api-")
    Certificate.objects.filter(person__in=people).delete()
    CycleSummary.objects.filter(person__in=people).delete()
    Employment.objects.filter(person__in=people).delete()
    people.delete()
    ApiKey.objects.filter(name="基准监管系统").delete()
    Organisation.objects.filter(name__in=["基准接口托育园", "基准接口培训基地"]).delete()
    for page in CoursePage.objects.filter(slug=COURSE_SLUG):
        page.delete()


def run(report):
    if not have_wrk():
        print(
            "# bench_api skipped: wrk is not installed (Debian package wrk; `make` installs "
            "it as root)",
            flush=True,
        )
        return
    person_ids, codes, secret = _seed()
    try:
        _measure(report, person_ids, codes, secret)
    finally:
        _cleanup()


def _measure(report, person_ids: list[int], codes: list[str], secret: str) -> None:
    floor_table(PEOPLE)
    with floor_server() as server:
        floor = wrk(server, [f"/row/{pk}" for pk in range(1, PEOPLE + 1)], warmup=WARMUP)
    report_load(report, "floor_row", floor)

    auth = {"Authorization": f"Bearer {secret}"}
    runs = {
        "api_compliance": ([f"/api/v1/persons/{i}/compliance" for i in person_ids], auth),
        "api_verify": ([f"/api/v1/certificates/verify/{c}" for c in codes], auth),
        "verify_page": ([f"/verify/{c}/" for c in codes], None),
    }
    with serving() as server:
        server.wait_ready(runs["api_compliance"][0][0], headers=auth)
        for name, (paths, headers) in runs.items():
            load = wrk(server, paths, headers=headers, warmup=WARMUP)
            report_load(report, name, load)
            report_ratio(report, name, load, floor)
