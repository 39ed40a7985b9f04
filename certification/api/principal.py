"""Who an API key acts as (D-32: keys are scoped like the organisation's users).

The services take an acting user and check it with `staff_scope`; an API key is not a login, so
each key acts through its own service account: an inactive user with an unusable password that
can never sign in, named after the key so the audit trail says which key did what. Its staff
scope is NOT read from StaffMembership rows: it is built from the key (role + organisation or
region) and cached on the user object, so revoking or re-scoping the key is the only switch.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from certification.access import StaffScope
from certification.models import ApiKey, StaffRole

# The staff role an API key mirrors. HR keys review (D-29) but never pay: payment batches stay
# with a payment officer in the UI, which keeps the separation of duties of D-30.
STAFF_ROLE = {
    ApiKey.Role.INSTITUTION: StaffRole.INSTITUTION_ADMIN,
    ApiKey.Role.TRAINING_BASE: StaffRole.BASE_STAFF,
    ApiKey.Role.HR: StaffRole.HR_REVIEWER,
    ApiKey.Role.REGULATOR: StaffRole.REGULATOR,
}
ORGANISATION_KEY_ROLES = {ApiKey.Role.INSTITUTION, ApiKey.Role.TRAINING_BASE}


def key_scope(key: ApiKey) -> StaffScope:
    """The StaffScope a staff member of the key's organisation (or region) would have."""
    role = STAFF_ROLE[key.role]
    if key.role in ORGANISATION_KEY_ROLES:
        if not key.organisation_id:
            return StaffScope()
        return StaffScope(organisation_ids={role: frozenset({key.organisation_id})})
    return StaffScope(region_paths={role: (key.scope_path,)})


def _service_email(key: ApiKey) -> str:
    return f"api-key-{key.pk}@api.carecert.invalid"


def key_actor(key: ApiKey):
    """The key's service account with the key's scope attached, created on first use; kept on
    the key (so a cached key carries it: auth.api_key_resolve)."""
    actor = getattr(key, "_carecert_actor", None)
    if actor is not None:
        return actor
    user_model = get_user_model()
    email = _service_email(key)
    user = user_model.objects.filter(email=email).first()
    if user is None:
        user = user_model(
            email=email, is_active=False, display_name=f"接口密钥 {key.name} ({key.prefix}…)"[:64]
        )
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # created by a concurrent request of the same key
            user = user_model.objects.get(email=email)
    user._carecert_scope = key_scope(key)
    key._carecert_actor = user
    return user
