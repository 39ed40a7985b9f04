"""Reads of the hours ledger (D-7, D-8)."""

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from certification.models import HourEntry


def person_ledger(*, person) -> QuerySet[HourEntry]:
    """A person's ledger, newest first, each original entry with what its corrections took
    back (`corrected`, ≤ 0) so a page can show the amount left and offer a correction."""
    return (
        HourEntry.objects.filter(person=person)
        .select_related("course", "training_base", "corrects")
        .annotate(
            corrected=Coalesce(
                Sum("corrections__hours"),
                Value(0),
                output_field=DecimalField(max_digits=6, decimal_places=1),
            )
        )
        .order_by("-date", "-pk")
    )
