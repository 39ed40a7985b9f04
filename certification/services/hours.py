"""The hours ledger service (D-7, D-8): the only way class hours enter certification.

lms (online lessons, offline attendance) and the API post through `hours_credit`, exactly as an
external training system would.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.access import deny
from certification.access.hours import can_correct_hours
from certification.audit import audit_record
from certification.models import HourEntry, HourSource, Person
from certification.rules.hours import base_credit_errors, capped_credit, round_down_tenth
from certification.selectors.certificates import accreditation_windows
from certification.selectors.rules import learning_policy_for
from certification.services.compliance import compliance_on_hour_entry


def _day_total_and_ref(*, person_id: int, date: datetime.date, ref: str | None):
    """D-7: (net 学时 already in the ledger for the person on the date, across all sources; the
    id of the entry already posted under `ref`, or None), in one query."""
    on_day = Q(person_id=person_id, date=date)
    if not ref:
        total = HourEntry.objects.filter(on_day).aggregate(s=Sum("hours"))["s"]
        return total or Decimal("0"), None
    row = HourEntry.objects.filter(on_day | Q(external_ref=ref)).aggregate(
        total=Sum("hours", filter=on_day), existing=Max("pk", filter=Q(external_ref=ref))
    )
    return row["total"] or Decimal("0"), row["existing"]


@transaction.atomic
def hours_credit(
    *,
    person,
    date: datetime.date,
    hours: Decimal,
    kind: str,
    source: str,
    course=None,
    training_base=None,
    evidence: dict | None = None,
    external_ref: str | None = None,
    recorded_by=None,
) -> HourEntry | None:
    """D-7/D-8: credit class hours to a person's ledger, within the daily cap.

    Locks the person row so concurrent posts for one person serialise. Idempotent on
    `external_ref` (a repeat returns the existing entry). Credits min(requested, what is left of
    the region's daily cap across all sources), rounded down to 0.1; returns None when nothing is
    left. Evidence records the requested amount and the cap applied. Calls the compliance hook and
    writes the audit row in the same transaction.
    """
    requested = Decimal(hours)
    if requested <= 0:
        raise ValidationError(_("学时必须为正数。"))
    locked = (
        Person.objects.select_for_update(of=("self",)).select_related("region").get(pk=person.pk)
    )
    # Read after the lock (its own statement), so a posting that waited sees the one before.
    already, existing_id = _day_total_and_ref(person_id=locked.pk, date=date, ref=external_ref)
    if existing_id is not None:
        return HourEntry.objects.get(pk=existing_id)
    policy = learning_policy_for(locked.region, date)
    credit = capped_credit(requested, already, policy.daily_cap_hours)
    if credit <= 0:
        return None
    data = dict(evidence or {})
    data.update(
        {
            "requested_hours": str(round_down_tenth(requested)),
            "daily_cap_hours": str(policy.daily_cap_hours),
            "already_today": str(already),
            "capped": credit < round_down_tenth(requested),
        }
    )
    entry = HourEntry(
        person=locked,
        date=date,
        hours=credit,
        kind=kind,
        source=source,
        course=course,
        training_base=training_base,
        evidence=data,
        external_ref=external_ref or None,
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
    )
    if external_ref:
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError:
            # Same external_ref posted concurrently under another person's lock: the winner.
            return HourEntry.objects.get(external_ref=external_ref)
    else:
        entry.save(force_insert=True)  # nothing unique to collide on: no savepoint needed
    compliance_on_hour_entry(entry=entry)
    audit_record(
        actor=recorded_by,
        action="hours.credit",
        obj=entry,
        data={
            "person": locked.pk,
            "date": date.isoformat(),
            "hours": str(credit),
            "requested": str(requested),
            "source": source,
            "kind": kind,
            "external_ref": external_ref or "",
        },
        region_path=locked.region.path if locked.region_id else "",
    )
    return entry


@transaction.atomic
def hours_correct(*, actor, entry: HourEntry, hours: Decimal, reason: str) -> HourEntry:
    """D-8: reverse (part of) a ledger entry with a negative entry that links to it.

    `hours` is the positive amount to take back; at most what the entry still holds after
    earlier corrections. Requires a reason and an authorised actor (see can_correct_hours);
    raises ValidationError / PermissionDenied otherwise.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("更正必须填写原因。"))
    if not can_correct_hours(actor, entry):
        deny(actor, action="hours.correct", obj=entry)
    Person.objects.select_for_update().get(pk=entry.person_id)
    amount = round_down_tenth(abs(Decimal(hours)))
    already = entry.corrections.aggregate(s=Sum("hours"))["s"] or Decimal("0")
    left = entry.hours + already
    if amount <= 0 or amount > left:
        raise ValidationError(
            _("更正学时须大于零且不超过该记录剩余学时 %(left)s。") % {"left": left}
        )
    correction = HourEntry.objects.create(
        person_id=entry.person_id,
        date=entry.date,
        hours=-amount,
        kind=entry.kind,
        source=HourSource.CORRECTION,
        course=entry.course,
        training_base=entry.training_base,
        evidence={"corrects": entry.pk},
        corrects=entry,
        reason=reason,
        recorded_by=actor,
    )
    compliance_on_hour_entry(entry=correction)
    audit_record(
        actor=actor,
        action="hours.correct",
        obj=correction,
        data={"corrects": entry.pk, "hours": str(-amount), "reason": reason},
    )
    return correction


def hours_credit_by_base(
    *,
    training_base,
    person,
    course,
    date: datetime.date,
    hours: Decimal,
    kind: str,
    external_ref: str | None = None,
    evidence: dict | None = None,
    recorded_by=None,
) -> HourEntry | None:
    """D-7/D-10: a training base credits attendance hours (its API pushes, and the platform's
    offline classes at close). The base must be accredited for the course on the date; the date
    may not be in the future nor older than the region's `backdate_days`. Raises ValidationError
    naming the field; otherwise as `hours_credit`. The caller has checked that the person is
    the base's learner (D-34)."""
    policy = learning_policy_for(person.region, timezone.localdate())
    errors = base_credit_errors(
        entry_date=date,
        today=timezone.localdate(),
        backdate_days=policy.backdate_days,
        course_given=course is not None,
        accreditation_windows=(
            accreditation_windows(training_base=training_base, course=course) if course else ()
        ),
    )
    if errors:
        raise ValidationError(
            {field: _(msgid) % params for field, (msgid, params) in errors.items()}
        )
    return hours_credit(
        person=person,
        date=date,
        hours=hours,
        kind=kind,
        source=HourSource.OFFLINE,
        course=course,
        training_base=training_base,
        evidence=evidence,
        external_ref=external_ref,
        recorded_by=recorded_by,
    )
