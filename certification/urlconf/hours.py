"""URLs for the hours ledger (joined into certification.urls): ledger and corrections (D-8)."""

from django.urls import path

from certification.views import hours as hour_views

urlpatterns: list = [
    path("people/<int:person_id>/ledger/", hour_views.person_ledger_page, name="person_ledger"),
    path("hours/<int:entry_id>/correct/", hour_views.entry_correct, name="hour_entry_correct"),
]
