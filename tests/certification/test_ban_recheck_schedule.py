"""D-23, issue 15: the yearly ban re-check day is policy data (table "ban-recheck", kept by
regulators for their region, national default 15 January). The beat runs the task daily; each
region's employments are re-checked on that region's day, a missed day is caught up within a
week, and nobody is checked twice in a year."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from certification.models import AuditEvent, BanCheck, BanRecheckDate
from certification.tasks.bans import ban_yearly_recheck
from cms.celery import app, beat_schedule

pytestmark = pytest.mark.django_db


def _rechecked():
    """The institutions whose employees have had a yearly re-check."""
    return set(
        BanCheck.objects.filter(purpose="yearly_recheck").values_list(
            "organisation__name", flat=True
        )
    )


def test_the_recheck_task_runs_daily_and_every_scheduled_task_exists():
    entry = beat_schedule()["ban-yearly-recheck"]
    assert entry["task"] == "certification.tasks.ban_yearly_recheck"
    assert entry["schedule"].hour == {2} and len(entry["schedule"].day_of_month) == 31
    app.loader.import_default_modules()  # autodiscover the tasks, as a worker does
    assert {e["task"] for e in app.conf.beat_schedule.values()} <= set(app.tasks)


def test_the_national_day_is_seeded():
    national = BanRecheckDate.objects.get(region__isnull=True)
    assert (national.month, national.day) == (1, 15)


def test_a_region_keeps_its_own_day_and_each_region_is_rechecked_on_its_day(
    client, cast, orgs, regions
):
    client.force_login(cast.other_regulator)  # Lanzhou's regulator
    response = client.post(
        reverse("certification:policy_create", args=["ban-recheck"]),
        {
            "region": regions.lanzhou.pk,
            "month": "3",
            "day": "2",
            "effective_from": timezone.localdate().isoformat(),
            "effective_to": "",
            "note": "兰州市卫健委年度复查安排",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert AuditEvent.objects.filter(action="policy.ban_recheck.create").exists()

    with time_machine.travel("2027-01-14 10:00 +0800"):
        assert ban_yearly_recheck()["checked"] == 0  # not yet anyone's day
    with time_machine.travel("2027-01-15 10:00 +0800"):
        ban_yearly_recheck()
    assert _rechecked() == {"五华区阳光托育园"}  # Yunnan keeps the national day
    with time_machine.travel("2027-01-16 10:00 +0800"):
        assert ban_yearly_recheck()["checked"] == 0  # checked once a year
    with time_machine.travel("2027-03-04 10:00 +0800"):  # the beat was down on 2 March
        ban_yearly_recheck()
    assert _rechecked() == {"五华区阳光托育园", "兰州市七彩托育园"}


def test_a_day_that_does_not_exist_every_year_is_refused(client, cast, regions):
    client.force_login(cast.other_regulator)
    response = client.post(
        reverse("certification:policy_create", args=["ban-recheck"]),
        {
            "region": regions.lanzhou.pk,
            "month": "2",
            "day": "29",
            "effective_from": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "effective_to": "",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "2 月 29 日" in response.content.decode()
    assert not BanRecheckDate.objects.filter(region=regions.lanzhou).exists()
