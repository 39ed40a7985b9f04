"""URLs for the bans area (joined into certification.urls)."""

from django.urls import path

from certification.views import bans as views

urlpatterns: list = [
    path("bans/", views.ban_list, name="ban_list"),
    path("bans/new/", views.ban_new, name="ban_create"),
    path("bans/import/", views.ban_import_view, name="ban_import"),
    path("bans/alerts/", views.ban_alerts, name="ban_alerts"),
    path("bans/<int:ban_id>/", views.ban_detail, name="ban_detail"),
    path("bans/<int:ban_id>/annul/", views.ban_annul_view, name="ban_annul"),
    path("hiring-check/", views.hiring_check, name="hiring_check"),
    path(
        "hiring-check/<int:check_id>/record/",
        views.hiring_check_record,
        name="hiring_check_record",
    ),
]
