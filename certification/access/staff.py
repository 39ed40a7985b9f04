"""Who may manage staff accounts."""

from django.contrib.auth import get_user_model
from django.http import Http404

from certification.access import deny, require_role
from certification.models import StaffRole


def require_account_manager(user, *, request=None, action: str):
    """Staff accounts are managed by system administrators; anyone else gets an audited 403."""
    return require_role(user, StaffRole.SYSADMIN, request=request, action=action)


def access_staff_account(user, account_id: int, *, request=None):
    """A staff account (a user with a staff membership) the user may deactivate. Nobody
    deactivates their own account here (that would lock the last administrator out)."""
    require_account_manager(user, request=request, action="user.deactivate")
    account = (
        get_user_model()
        .objects.filter(pk=account_id, staff_memberships__isnull=False)
        .distinct()
        .first()
    )
    if account is None:
        raise Http404
    if account.pk == user.pk:
        deny(user, action="user.deactivate_self", obj=account, request=request)
    return account
