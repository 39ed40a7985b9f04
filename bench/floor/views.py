from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from bench.floor.models import FloorRow


def row(request, pk: int):
    """Read one row: the floor of every read endpoint."""
    r = FloorRow.objects.get(pk=pk)
    return JsonResponse({"id": r.pk, "name": r.name, "counter": r.counter})


@csrf_exempt
def write(request, pk: int):
    """Update one row in its own transaction: the floor of every write endpoint."""
    with transaction.atomic():
        FloorRow.objects.filter(pk=pk).update(counter=F("counter") + 1)
    return JsonResponse({"ok": True})


def page(request, rows: int):
    """A server-rendered page of `rows` rows: the floor of list pages."""
    return render(request, "floor/page.html", {"rows": FloorRow.objects.order_by("pk")[:rows]})
