"""URLs for the security area (joined into certification.urls)."""

from django.urls import path

from certification.views import security as views

urlpatterns: list = [
    path("people/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("me/data.json", views.my_data, name="my_data_export"),
    path("audit/", views.audit_log, name="audit_log"),
]
