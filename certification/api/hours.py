"""Hour entries (D-7, D-8): a training base's own system pushes offline attendance hours.

They enter the ledger through `hours_credit`, like the platform's own offline classes: daily
cap, append-only entry, compliance summary update and audit row in one transaction. A retried
push with the same `external_ref` is recorded once. The reference is namespaced by the base
(`api:<organisation id>:<ref>`), so two bases can never collide or read each other's entries
through a guessed reference.
"""

from django.core.exceptions import ValidationError
from ninja import Router, Status

from certification.api.common import ERRORS, person_for_key, require
from certification.api.principal import key_actor
from certification.api.schemas import HourEntryIn, HourEntryOut
from certification.models import ApiKey, HourEntry
from certification.services.hours import hours_credit_by_base
from cms.models import CoursePage

router = Router(tags=["学时"])


def _ledger_ref(key: ApiKey, external_ref: str) -> str:
    return f"api:{key.organisation_id}:{external_ref}"


@router.post("/hour-entries", response={200: HourEntryOut, 201: HourEntryOut, **ERRORS})
def hour_entry_create(request, payload: HourEntryIn):
    """Credit offline attendance hours (training-base keys only) for the base's own learners
    (D-34: enrolled in or attending its classes, or with its hours, results or certificates),
    for a course the base is accredited for on the date, dated within the region's
    back-dating window and never in the future (422 naming the field otherwise). 201 when
    recorded; 200 when
    the `external_ref` was already recorded (the earlier entry is returned) or when the
    person's daily cap was already reached (`id` null, `hours` 0)."""
    key = require(request, ApiKey.Role.TRAINING_BASE)
    person = person_for_key(key, payload.person_id)
    course = None
    if payload.course_id is not None:
        course = CoursePage.objects.filter(pk=payload.course_id).first()
        if course is None:
            raise ValidationError({"course_id": "课程不存在"})
    ref = _ledger_ref(key, payload.external_ref)
    replayed = HourEntry.objects.filter(external_ref=ref).exists()
    entry = hours_credit_by_base(
        person=person,
        date=payload.date,
        hours=payload.hours,
        kind=payload.kind,
        course=course,
        training_base=key.organisation,
        external_ref=ref,
        evidence={"api_key": key.prefix},
        recorded_by=key_actor(key),
    )
    body = {
        "id": entry.pk if entry else None,
        "external_ref": payload.external_ref,
        "person_id": entry.person_id if entry else person.pk,
        "date": entry.date if entry else payload.date,
        "hours": entry.hours if entry else 0,
        "requested_hours": payload.hours,
        "kind": entry.kind if entry else payload.kind,
        "capped": entry is None or bool(entry.evidence.get("capped")),
        "replayed": replayed,
    }
    return Status(201 if entry is not None and not replayed else 200, body)
