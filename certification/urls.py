"""certification URLs. Each area keeps its own list in certification/urlconf/<area>.py, joined
here under one namespace, so work on one area never edits another's lines."""

from django.urls import path

from certification.urlconf import (
    administration,
    bans,
    certificates,
    compliance,
    dashboards,
    hours,
    security,
    subsidies,
)
from certification.urlconf import credit as credit_urls
from certification.urlconf import health as health_urls
from certification.urlconf import imports as import_urls
from certification.urlconf import outbox as outbox_urls
from certification.urlconf import supervision as supervision_urls
from certification.urlconf import work_certificates as work_certificate_urls
from certification.views import accounts as account_views
from certification.views import people as people_views

app_name = "certification"

urlpatterns = [
    path("me/", account_views.profile, name="profile"),
    path("me/claim/", account_views.claim, name="claim"),
    path("people/", people_views.person_list, name="person_list"),
    path("people/<int:person_id>/", people_views.person_detail, name="person_detail"),
    *bans.urlpatterns,
    *credit_urls.urlpatterns,
    *certificates.urlpatterns,
    *compliance.urlpatterns,
    *hours.urlpatterns,
    *subsidies.urlpatterns,
    *dashboards.urlpatterns,
    *health_urls.urlpatterns,
    *security.urlpatterns,
    *import_urls.urlpatterns,
    *administration.urlpatterns,
    *outbox_urls.urlpatterns,
    *supervision_urls.urlpatterns,
    *work_certificate_urls.urlpatterns,
]
