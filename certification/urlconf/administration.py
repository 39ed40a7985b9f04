"""URLs of the province administration pages (joined into certification.urls)."""

from django.urls import path

from certification.views import administration as views

urlpatterns: list = [
    path("manage/organisations/", views.organisation_list, name="organisation_list"),
    path("manage/organisations/new/", views.organisation_new, name="organisation_new"),
    path(
        "manage/organisations/<int:organisation_id>/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "manage/organisations/<int:organisation_id>/status/",
        views.organisation_status,
        name="organisation_status",
    ),
    path(
        "manage/organisations/<int:organisation_id>/accreditations/",
        views.accreditation_new,
        name="accreditation_new",
    ),
    path("manage/calendar/", views.calendar_edit, name="calendar_edit"),
    path("manage/grants/", views.grant_list, name="grant_list"),
    path("manage/grants/new/", views.grant_new, name="grant_new"),
    path("manage/grants/<int:grant_id>/decide/", views.grant_decide, name="grant_decide"),
    path("manage/grants/<int:grant_id>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
