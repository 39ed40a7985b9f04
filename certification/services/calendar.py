"""Editing the working-day calendar (D-35): next year's State Council notice is entered here.

A day already reached is never changed: the notice periods and review targets counted over it
have been decided. Setting a day back to its Monday–Friday default removes its row."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.access import deny
from certification.access.administration import can_edit_calendar
from certification.audit import audit_record
from certification.models import CalendarDay


@transaction.atomic
def calendar_day_set(*, actor, day: dt.date, is_working_day: bool, name: str = "") -> None:
    if not can_edit_calendar(actor):
        deny(actor, action="calendar.edit")
    if day <= timezone.localdate():
        raise ValidationError({"day": _("只能修改今天以后的日期。")})
    name = name.strip()
    existing = CalendarDay.objects.select_for_update().filter(day=day).first()
    before = (existing.is_working_day, existing.name) if existing else None
    if is_working_day == (day.weekday() < 5):
        if existing is not None:
            existing.delete()
    else:
        CalendarDay.objects.update_or_create(
            day=day,
            defaults={
                "is_working_day": is_working_day,
                "name": name,
                "source": CalendarDay.Source.EDITED,
                "edited_by": actor,
            },
        )
    audit_record(
        actor=actor,
        action="calendar.set",
        data={
            "day": day.isoformat(),
            "is_working_day": is_working_day,
            "name": name,
            "before": list(before) if before else None,
        },
    )
