"""URLs for the dashboards area (joined into certification.urls)."""

from django.urls import path

from certification.views import dashboards as views
from certification.views import employments as employment_views

urlpatterns: list = [
    path("supervision/", views.regulator_dashboard, name="regulator_dashboard"),
    path("institution/dashboard/", views.institution_dashboard, name="institution_dashboard"),
    path(
        "institution/employments/<int:employment_id>/end/",
        employment_views.employment_end_view,
        name="employment_end",
    ),
    path(
        "institution/employments/<int:employment_id>/",
        employment_views.employment_detail_view,
        name="employment_detail",
    ),
    path(
        "institution/employments/<int:employment_id>/terms/",
        employment_views.employment_terms_view,
        name="employment_terms",
    ),
    path(
        "institution/employments/<int:employment_id>/transfer/",
        employment_views.employment_transfer_view,
        name="employment_transfer",
    ),
    path(
        "institution/<int:institution_id>/roster/",
        employment_views.staff_roster_import_view,
        name="staff_roster_import",
    ),
    path(
        "institution/roster-template.xlsx",
        employment_views.staff_roster_template_download,
        name="staff_roster_template",
    ),
]
