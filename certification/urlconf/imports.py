"""URLs for import jobs (joined into certification.urls)."""

from django.urls import path

from certification.views import imports as views

urlpatterns: list = [
    path("imports/<int:pk>/", views.import_job_progress, name="import_job_progress"),
    path("imports/<int:pk>/status/", views.import_job_status, name="import_job_status"),
]
