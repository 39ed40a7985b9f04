import datetime as dt
from decimal import Decimal as D

import time_machine
from django.core import mail

from certification.models import CycleStatus, CycleSummary, Notification
from certification.services.compliance import compliance_on_employment_change
from certification.services.reminders import reminder_threshold
from certification.tasks.compliance import refresh_compliance_status, send_cycle_reminders


def test_a_late_run_picks_only_the_most_recent_threshold():
    assert reminder_threshold(days_left=200, thresholds=[180, 90, 30]) is None
    assert reminder_threshold(days_left=180, thresholds=[180, 90, 30]) == 180
    assert reminder_threshold(days_left=29, thresholds=[180, 90, 30]) == 30


def test_reminders_are_sent_once_to_the_person_and_the_institution(
    cast, orgs, django_capture_on_commit_callbacks
):
    # cast.worker: caregiver since 2022-03-01 -> cycle 1 ends 2027-02-28.
    with time_machine.travel("2026-06-01 09:00 +0800"):
        compliance_on_employment_change(person=cast.worker)
    with (
        time_machine.travel("2026-09-01 09:00 +0800"),  # 180 days before the end
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_cycle_reminders.delay()
        send_cycle_reminders.delay()
    notices = Notification.objects.filter(kind=Notification.Kind.CYCLE_REMINDER)
    assert notices.filter(recipient_user=cast.worker_user).count() == 1
    assert notices.filter(recipient_organisation=orgs.institution).count() == 1
    assert [m.to for m in mail.outbox].count([cast.worker_user.email]) == 1
    assert "180" in notices.first().title
    assert "学时提醒" in mail.outbox[0].subject

    with time_machine.travel("2027-02-01 09:00 +0800"):  # late run: 27 days left
        send_cycle_reminders.delay()
        send_cycle_reminders.delay()
    keys = sorted(
        notices.filter(recipient_user=cast.worker_user).values_list("dedupe_key", flat=True)
    )
    summary = CycleSummary.objects.get(person=cast.worker)
    assert keys == [f"cycle-reminder:{summary.pk}:180:user", f"cycle-reminder:{summary.pk}:30:user"]
    assert notices.count() == 4


def test_met_cycles_get_no_reminder_and_unmet_ended_cycles_lapse(cast):
    with time_machine.travel("2026-06-01 09:00 +0800"):
        compliance_on_employment_change(person=cast.worker)
        compliance_on_employment_change(person=cast.director)
    CycleSummary.objects.filter(person=cast.director).update(
        theory_hours=D("40"), practice_hours=D("20"), status=CycleStatus.MET
    )
    with time_machine.travel("2027-01-15 09:00 +0800"):
        send_cycle_reminders.delay()
    assert not Notification.objects.filter(recipient_user=cast.director_user).exists()
    with time_machine.travel("2027-03-01 09:00 +0800"):
        refresh_compliance_status.delay()
    first = CycleSummary.objects.get(person=cast.worker, cycle_number=1)
    assert first.status == CycleStatus.LAPSED
    second = CycleSummary.objects.get(person=cast.worker, cycle_number=2)
    assert second.start_date == dt.date(2027, 3, 1)


def test_the_reminder_dates_follow_the_language(cast):
    from django.template.loader import render_to_string
    from django.utils.translation import override

    with time_machine.travel("2026-06-01 09:00 +0800"):
        compliance_on_employment_change(person=cast.worker)
    summary = CycleSummary.objects.get(person=cast.worker)
    context = {"summary": summary, "days": 180, "role": summary.get_role_display()}
    zh = render_to_string("emails/cycle_reminder-body.txt", context)
    assert "2027年2月28日" in zh
    with override("en"):
        en = render_to_string("emails/cycle_reminder-body.txt", context)
    assert "from 2022-03-01 to 2027-02-28" in en and "年" not in en
