"""Security-area services (issue 3): the owner's data export and user deactivation."""

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction
from django.forms.models import model_to_dict

from certification.audit import audit_record
from certification.models import Person

_SKIP = {"id_cipher", "id_index", "password"}
# (label in the export, model label) — every model holding rows about the person.
_PERSON_TABLES = [
    ("employments", "certification.Employment"),
    ("hour_entries", "certification.HourEntry"),
    ("certificates", "certification.Certificate"),
    ("subsidy_applications", "certification.SubsidyApplication"),
]


def _row(obj) -> dict:
    data = model_to_dict(obj, exclude=list(_SKIP & {f.name for f in obj._meta.fields}))
    data["id"] = obj.pk
    return {k: v for k, v in data.items() if not isinstance(v, bytes | memoryview)}


@transaction.atomic
def my_data_export(*, user, ip: str | None = None) -> dict:
    """PIPL right of access: account, person (with the full ID — it is the owner's own),
    employments, hour entries, certificates and subsidy applications. Audited."""

    account = {
        "email": user.email,
        "display_name": getattr(user, "display_name", ""),
        "phone": str(getattr(user, "phone", "") or ""),
        "date_joined": user.date_joined,
    }
    payload: dict = {"account": account, "person": None}
    person = Person.objects.filter(user=user).first()
    if person is not None:
        payload["person"] = {**_row(person), "id_number": person.reveal_id_number()}
        for label, model_label in _PERSON_TABLES:
            model = apps.get_model(model_label)
            payload[label] = [_row(o) for o in model.objects.filter(person=person).order_by("pk")]
    audit_record(
        actor=user,
        action="person.data_export",
        obj=person,
        ip=ip,
        region_path=person.region.path if person and person.region_id else "",
    )
    return payload


@transaction.atomic
def user_deactivate(*, actor, user, ip: str | None = None) -> None:
    """Deactivate an account and end all its sessions at once (the middleware also refuses
    inactive users on their next request)."""
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    for session in Session.objects.all().iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    audit_record(actor=actor, action="user.deactivate", obj=user, ip=ip)
