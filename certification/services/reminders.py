"""D-13/D-14: daily status refresh and cycle reminders."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from certification.models import CycleStatus, CycleSummary, Notification, Region
from certification.rules.cycles import Cycle, cycle_status
from certification.selectors.rules import learning_policy_for
from certification.services.compliance import (
    compliance_on_employment_change,
    summary_status_audit,
)

OPEN = [CycleStatus.ON_TRACK, CycleStatus.BEHIND]


def reminder_threshold(*, days_left: int, thresholds: list[int]) -> int | None:
    """D-14: the most recent reminder threshold crossed with `days_left` days to go (the smallest
    threshold ≥ days_left). A late run sends only this one, never all the missed ones."""
    crossed = [t for t in thresholds if days_left <= t]
    return min(crossed) if crossed else None


def compliance_refresh_status(*, on_date: dt.date | None = None) -> dict:
    """D-13: move open summaries between on_track and behind as time passes; a cycle that has
    ended unmet becomes lapsed, and the person's next cycle summary is created."""
    on_date = on_date or timezone.localdate()
    changed = lapsed = 0
    for summary in CycleSummary.objects.filter(status__in=OPEN).iterator(chunk_size=2000):
        status = cycle_status(
            theory=summary.theory_hours,
            practice=summary.practice_hours,
            total_required=summary.required_total,
            theory_min=summary.required_theory,
            practice_min=summary.required_practice,
            cycle=Cycle(summary.cycle_number, summary.start_date, summary.end_date),
            on_date=on_date,
        )
        if status == summary.status:
            continue
        with transaction.atomic():
            # Conditional update: a concurrent hour posting may have just changed the row.
            updated = CycleSummary.objects.filter(pk=summary.pk, status=summary.status).update(
                status=status, updated_at=timezone.now()
            )
            if updated:
                from_status, summary.status = summary.status, status
                summary_status_audit(summary=summary, from_status=from_status)
        changed += updated
        if status == CycleStatus.LAPSED and updated:
            lapsed += 1
            compliance_on_employment_change(person=summary.person)
    return {"changed": changed, "lapsed": lapsed}


@lru_cache(maxsize=1024)
def _thresholds(region_code: str | None, on_date: dt.date) -> tuple[int, ...]:
    region = Region.objects.filter(code=region_code).first() if region_code else None
    return tuple(learning_policy_for(region, on_date).reminder_days or ())


def _notify(*, key: str, summary, days: int, user=None, organisation=None) -> bool:
    """Create the dedupe-keyed notice and queue its e-mail; False when it was sent before."""
    context = {
        "summary": summary,
        "days": days,
        "person": summary.person,
        "role": summary.get_role_display(),
        "organisation": organisation,
    }
    subject = render_to_string("emails/cycle_reminder-subject.txt", context).strip()
    body = render_to_string("emails/cycle_reminder-body.txt", context)
    try:
        with transaction.atomic():
            Notification.objects.create(
                kind=Notification.Kind.CYCLE_REMINDER,
                recipient_user=user,
                recipient_organisation=organisation,
                title=subject,
                body=body,
                dedupe_key=key,
            )
    except IntegrityError:
        return False
    address = user.email if user else organisation.contact_email
    if address:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        )
    return True


def cycle_reminders_send(*, on_date: dt.date | None = None) -> dict:
    """D-14: for every open cycle ending within its region's largest reminder threshold, send
    the most recent threshold's reminder once to the person's user and once to the
    institution (e-mail + in-app notice). Notification.dedupe_key makes a re-run send
    nothing twice."""
    on_date = on_date or timezone.localdate()
    _thresholds.cache_clear()
    national = learning_policy_for(None, on_date).reminder_days or []
    horizon = max([*national, 365])
    sent = 0
    candidates = CycleSummary.objects.filter(
        status__in=OPEN, end_date__gte=on_date, end_date__lte=on_date + dt.timedelta(days=horizon)
    ).select_related("person__user", "institution")
    for summary in candidates.iterator(chunk_size=2000):
        region_code = summary.region_path.strip("/").rsplit("/", 1)[-1] or None
        days = reminder_threshold(
            days_left=(summary.end_date - on_date).days,
            thresholds=list(_thresholds(region_code, on_date)),
        )
        if days is None:
            continue
        with transaction.atomic():
            prefix = f"cycle-reminder:{summary.pk}:{days}"
            if summary.person.user_id:
                sent += _notify(
                    key=f"{prefix}:user", summary=summary, days=days, user=summary.person.user
                )
            if summary.institution_id:
                sent += _notify(
                    key=f"{prefix}:org",
                    summary=summary,
                    days=days,
                    organisation=summary.institution,
                )
    return {"sent": sent}
