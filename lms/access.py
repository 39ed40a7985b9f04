"""Access to offline classes: one function per guarded object (STYLE habit 4)."""

from django.shortcuts import get_object_or_404

from certification.access import deny, staff_scope
from certification.models import StaffRole
from lms.models import ClassSession


def bases_of(user) -> set[int]:
    """Training bases whose classes the user runs (BASE_STAFF scoped to an organisation)."""
    return staff_scope(user).org_ids(StaffRole.BASE_STAFF)


def access_class_session(user, session_id: int, *, request=None) -> ClassSession:
    """The session if the user is staff of its training base; 404 if absent; otherwise the
    refusal is audited and PermissionDenied raised (another base's staff)."""
    session = get_object_or_404(
        ClassSession.objects.select_related("training_base__region", "course"), pk=session_id
    )
    if session.training_base_id not in bases_of(user):
        deny(user, action="class.access", obj=session, request=request)
    return session
