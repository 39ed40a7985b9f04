"""D-29: the review queue marks an application overdue against the review target of the policy
that applies to the application's region (SubsidyPolicy.review_target_working_days)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from certification.models import Certificate
from certification.models.subsidies import SubsidyApplication, SubsidyPolicy, SubsidyType
from certification.rules.subsidies import review_overdue, working_days_between
from certification.selectors.calendar import calendar_exceptions
from certification.services import subsidies as svc
from tests.factories import EmploymentFactory, OrganisationFactory, PersonFactory, region


def _working_days_ago(n: int) -> dt.date:
    today, day = timezone.localdate(), timezone.localdate()
    while working_days_between(day, today, calendar_exceptions(day, today)) < n:
        day -= dt.timedelta(days=1)
    return day


def _submitted(user, person, serial: str, *, working_days_ago: int) -> SubsidyApplication:
    cert = Certificate.objects.create(
        kind="training",
        serial=serial,
        verification_code=f"vc-{serial}",
        person=person,
        issuer_name="测试基地",
        occupation="4-10-01-03",
        level=None,
        issue_date=timezone.localdate() - dt.timedelta(days=30),
    )
    app = svc.application_create(
        actor=user, person=person, certificate=cert, subsidy_type=SubsidyType.TRAINING
    )
    app = svc.application_submit(actor=user, application=app, pledge_confirmed=True)
    when = timezone.make_aware(
        dt.datetime.combine(_working_days_ago(working_days_ago), dt.time(10))
    )
    SubsidyApplication.objects.filter(pk=app.pk).update(submitted_at=when)
    return app


def _queue_row(html: str, name: str) -> str:
    return next(row for row in html.split("<tr>") if name in row)


def test_the_overdue_mark_follows_each_regions_review_target(cast, regions, client):
    panlong = region("530103", "盘龙区", regions.kunming)
    SubsidyPolicy.objects.create(
        region=panlong, effective_from=dt.date(2020, 1, 1), review_target_working_days=2
    )
    other_inst = OrganisationFactory(name="盘龙区托育园", region=panlong)
    panlong_worker = PersonFactory(name="张盘龙", region=panlong)
    EmploymentFactory(person=panlong_worker, institution=other_inst)

    _submitted(cast.worker_user, cast.worker, "T-RT-1", working_days_ago=3)
    _submitted(cast.hr_reviewer, panlong_worker, "T-RT-2", working_days_ago=3)

    client.force_login(cast.hr_reviewer)
    html = client.get(reverse("certification:subsidy_review_queue")).content.decode()
    wuhua_row, panlong_row = _queue_row(html, "王保育"), _queue_row(html, "张盘龙")
    assert "3 / 5" in wuhua_row and "超时" not in wuhua_row  # national default: 5 working days
    assert "3 / 2" in panlong_row and "超时" in panlong_row  # 盘龙区 policy: 2 working days


def test_a_policy_no_longer_in_force_on_submission_does_not_apply(cast, regions, client):
    SubsidyPolicy.objects.create(
        region=regions.wuhua,
        effective_from=dt.date(2020, 1, 1),
        effective_to=dt.date(2020, 12, 31),
        review_target_working_days=1,
    )
    _submitted(cast.worker_user, cast.worker, "T-RT-3", working_days_ago=3)
    client.force_login(cast.hr_reviewer)
    row = _queue_row(
        client.get(reverse("certification:subsidy_review_queue")).content.decode(), "王保育"
    )
    assert "3 / 5" in row and "超时" not in row


def test_review_overdue_counts_working_days_only():
    friday, next_monday = dt.date(2026, 11, 20), dt.date(2026, 11, 23)
    assert not review_overdue(
        submitted_on=friday, today=next_monday, target_working_days=1, exceptions={}
    )
    assert review_overdue(
        submitted_on=friday,
        today=next_monday + dt.timedelta(days=1),
        target_working_days=1,
        exceptions={},
    )


def test_the_queue_reads_the_policies_once_whatever_its_length(cast, regions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certification.selectors import subsidies as sel

    panlong = region("530103", "盘龙区", regions.kunming)
    SubsidyPolicy.objects.create(
        region=panlong, effective_from=dt.date(2020, 1, 1), review_target_working_days=2
    )
    inst = OrganisationFactory(name="盘龙区托育园", region=panlong)
    people = [PersonFactory(name=f"张{n}", region=panlong) for n in range(3)]
    for person in people:
        EmploymentFactory(person=person, institution=inst)
    from certification.access import staff_scope

    scope = staff_scope(cast.hr_reviewer)
    _submitted(cast.worker_user, cast.worker, "T-RT-Q0", working_days_ago=1)
    with CaptureQueriesContext(connection) as one:
        rows = sel.review_queue_rows(scope=scope, today=timezone.localdate())
    for n, person in enumerate(people):
        _submitted(cast.hr_reviewer, person, f"T-RT-Q{n + 1}", working_days_ago=n + 2)
    with CaptureQueriesContext(connection) as four:
        rows = sel.review_queue_rows(scope=scope, today=timezone.localdate())
    assert len(rows) == 4 and len(four) == len(one)
    for row in rows:  # the same choice as policy_for, one application at a time
        submitted_on = timezone.localdate(row["app"].submitted_at)
        assert (
            row["target"]
            == sel.policy_for(region=row["app"].region, on=submitted_on).review_target_working_days
        )
