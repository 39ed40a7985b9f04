"""D-23: the yearly ban re-check runs on the date configured in settings.BAN_YEARLY_RECHECK."""

from celery.schedules import crontab

from cms.celery import app, beat_schedule


def test_the_yearly_recheck_is_scheduled_on_the_configured_date(settings):
    settings.BAN_YEARLY_RECHECK = {"month": 3, "day": 2}
    entry = beat_schedule()["ban-yearly-recheck"]
    assert entry["task"] == "certification.tasks.ban_yearly_recheck"
    assert entry["schedule"] == crontab(hour=2, minute=0, day_of_month=2, month_of_year=3)


def test_the_configured_hour_is_used_when_given(settings):
    settings.BAN_YEARLY_RECHECK = {"month": 7, "day": 1, "hour": 4, "minute": 15}
    schedule = beat_schedule()["ban-yearly-recheck"]["schedule"]
    assert schedule == crontab(hour=4, minute=15, day_of_month=1, month_of_year=7)


def test_the_running_app_carries_the_schedule_built_from_settings():
    from django.conf import settings

    day, month = settings.BAN_YEARLY_RECHECK["day"], settings.BAN_YEARLY_RECHECK["month"]
    schedule = app.conf.beat_schedule["ban-yearly-recheck"]["schedule"]
    assert schedule.day_of_month == {day} and schedule.month_of_year == {month}
    app.loader.import_default_modules()  # autodiscover the tasks, as a worker does
    assert {e["task"] for e in app.conf.beat_schedule.values()} <= set(app.tasks)
