"""URLs for the security area (joined into certification.urls)."""

from django.urls import path

from certification.views import security as views
from certification.views import staff as staff_views

urlpatterns: list = [
    path("people/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("me/data.json", views.my_data, name="my_data_export"),
    path("audit/", views.audit_log, name="audit_log"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/<int:user_id>/deactivate/", staff_views.staff_deactivate, name="staff_deactivate"),
]
