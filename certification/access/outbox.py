"""Who runs the outbox (D-40): system administrators only. The receivers' addresses and the
events' payloads concern every province, so no region administrator sees them."""

from django.shortcuts import get_object_or_404

from certification.access import StaffScope, require_role
from certification.models import Delivery, Receiver, StaffRole


def require_outbox_admin(user, *, request=None, action: str) -> StaffScope:
    """A system administrator's scope; anyone else gets an audited 403."""
    return require_role(user, StaffRole.SYSADMIN, request=request, action=action)


def access_receiver(user, receiver_id: int, *, request=None, action: str) -> Receiver:
    require_outbox_admin(user, request=request, action=action)
    return get_object_or_404(Receiver.objects.select_related("region"), pk=receiver_id)


def access_delivery(user, delivery_id: int, *, request=None, action: str) -> Delivery:
    require_outbox_admin(user, request=request, action=action)
    return get_object_or_404(
        Delivery.objects.select_related("event", "receiver__region"), pk=delivery_id
    )
