"""URLs for yearly health care, D-36 (joined into certification.urls)."""

from django.urls import path

from certification.views import health as views

urlpatterns: list = [
    path("institution/<int:institution_id>/health/", views.health_people, name="health_people"),
    path(
        "institution/<int:institution_id>/health/<int:person_id>/check/",
        views.health_check_new,
        name="health_check_new",
    ),
    path(
        "institution/<int:institution_id>/health/<int:person_id>/training/",
        views.health_training_new,
        name="health_training_new",
    ),
    path(
        "institution/<int:institution_id>/health/import/",
        views.health_import,
        name="health_import",
    ),
    path(
        "institution/health-template.xlsx",
        views.health_template_download,
        name="health_template",
    ),
]
