"""URLs for the 持证上岗 area (D-37; joined into certification.urls). The rule itself is a
policy table: /policies/work-certificates/."""

from django.urls import path

from certification.views import work_certificates as views

urlpatterns: list = [
    path("work-certificates/", views.work_certificate_list_view, name="work_certificate_list"),
]
