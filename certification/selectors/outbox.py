"""Reads for the outbox pages (D-40): receivers with their backlog, deliveries needing an
administrator's eye (dead-lettered, or pending after a failed attempt)."""

from django.db.models import Count, Q, QuerySet

from certification.models import Delivery, DeliveryStatus, Receiver


def receivers_with_backlog() -> QuerySet[Receiver]:
    return Receiver.objects.select_related("region").annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        dead=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
    )


def deliveries_needing_attention(*, status: str = "") -> QuerySet[Delivery]:
    """Dead letters and pending deliveries (the oldest first, in sequence); `status` narrows
    to one of the two."""
    statuses = (
        [status]
        if status in (DeliveryStatus.PENDING, DeliveryStatus.DEAD)
        else [DeliveryStatus.PENDING, DeliveryStatus.DEAD]
    )
    return (
        Delivery.objects.filter(status__in=statuses)
        .select_related("event", "receiver")
        .order_by("receiver__name", "event__sequence")
    )
