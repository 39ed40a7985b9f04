"""Issue 15 / D-35: working days follow the State Council's holidays and make-up days, seeded
from the chinesecalendar package and edited by a system administrator for the next year; the
公示 end date and review targets count over them."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from certification.models import AuditEvent, CalendarDay, StaffRole
from certification.selectors import subsidies as sel
from tests.factories import UserFactory, membership

pytestmark = pytest.mark.django_db

CALENDAR = reverse("certification:calendar_edit")


@pytest.fixture
def sysadmin():
    user = UserFactory(email="sys@example.test")
    membership(user, StaffRole.SYSADMIN)
    return user


def test_the_seeded_calendar_knows_national_day_and_its_make_up_saturday():
    days = dict(CalendarDay.objects.values_list("day", "is_working_day"))
    assert days[dt.date(2026, 10, 1)] is False  # a Thursday holiday
    assert days[dt.date(2026, 10, 10)] is True  # a Saturday worked in lieu
    assert dt.date(2026, 10, 12) not in days  # an ordinary Monday


def test_a_notice_opened_before_national_day_ends_after_the_holiday(regions):
    # Five working days from Wednesday 30 September 2026, after the 1–7 October holiday:
    # 8, 9, 10 (a Saturday, worked in lieu), 12, 13.
    assert sel.notice_end_for(region=regions.kunming, start=dt.date(2026, 9, 30)) == dt.date(
        2026, 10, 13
    )


@time_machine.travel(dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC))
def test_the_administrator_enters_next_years_holiday_and_notices_follow_it(
    client, sysadmin, regions
):
    client.force_login(sysadmin)
    # Friday 1 January 2027 (New Year) and a made-up holiday on Monday 4 January.
    start = dt.date(2026, 12, 31)
    assert sel.notice_end_for(region=regions.kunming, start=start) == dt.date(2027, 1, 7)
    for day in ("2027-01-01", "2027-01-04"):
        resp = client.post(CALENDAR, {"day": day, "is_working_day": "0", "name": "元旦"})
        assert resp.status_code == 302
    page = client.get(CALENDAR + "?year=2027").content.decode()
    assert 'data-day="2027-01-04"' in page and "管理员录入" in page
    # 5, 6, 7, 8 and Monday 11 January now
    assert sel.notice_end_for(region=regions.kunming, start=start) == dt.date(2027, 1, 11)
    assert AuditEvent.objects.filter(action="calendar.set").count() == 2
    # Setting the Monday back to a working day removes the exception.
    client.post(CALENDAR, {"day": "2027-01-04", "is_working_day": "1", "name": ""})
    assert not CalendarDay.objects.filter(day=dt.date(2027, 1, 4)).exists()


@time_machine.travel(dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC))
def test_a_day_already_reached_cannot_be_changed(client, sysadmin):
    client.force_login(sysadmin)
    resp = client.post(CALENDAR, {"day": "2026-10-01", "is_working_day": "1", "name": ""})
    assert resp.status_code == 200 and "只能修改今天以后的日期" in resp.content.decode()
    assert CalendarDay.objects.get(day=dt.date(2026, 10, 1)).is_working_day is False


def test_only_a_system_administrator_reaches_the_calendar(client, cast):
    for user in (cast.regulator, cast.hr_reviewer, cast.worker_user):
        client.force_login(user)
        assert client.get(CALENDAR).status_code == 403
        assert (
            client.post(CALENDAR, {"day": "2030-01-02", "is_working_day": "0"}).status_code == 403
        )
    assert not CalendarDay.objects.filter(day=dt.date(2030, 1, 2)).exists()
    assert AuditEvent.objects.filter(
        action="access.denied", data__attempted="calendar.view"
    ).exists()
