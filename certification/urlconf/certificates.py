"""URLs for the certificates area (joined into certification.urls)."""

from django.urls import path

from certification.views import certificates as views
from certification.views import credentials as credential_views
from certification.views import imports as import_views

urlpatterns: list = [
    path("verify/", views.verify_search, name="verify_search"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("me/certificates/", views.my_certificates, name="my_certificates"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("base/certificates/", views.base_certificates, name="base_certificates"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="certificate_revoke"),
    path("base/certificates/batch/", views.batch_new, name="certificate_batch_new"),
    path("base/certificates/batch/<int:pk>/", views.batch_progress, name="certificate_batch"),
    path(
        "base/certificates/batch/<int:pk>/status/",
        views.batch_status,
        name="certificate_batch_status",
    ),
    path(
        "certificates/skill-level/new/", views.skill_certificate_new, name="skill_certificate_new"
    ),
    path(
        "certificates/skill-level/import/",
        views.skill_certificate_import,
        name="skill_certificate_import",
    ),
    # Former addresses of a skill import's progress; the generic import job views serve them.
    path(
        "certificates/skill-level/import/<int:pk>/",
        import_views.import_job_progress,
        name="skill_import_progress",
    ),
    path(
        "certificates/skill-level/import/<int:pk>/status/",
        import_views.import_job_status,
        name="skill_import_status",
    ),
]

# Signed credentials (issue 19): downloads, the status lists and the keys verifiers use.
urlpatterns += [
    path(
        "certificates/<int:pk>/credential/",
        credential_views.my_certificate_credential,
        name="certificate_credential",
    ),
    path(
        "verify/<str:code>/credential/",
        credential_views.verify_credential,
        name="verify_credential",
    ),
    path(
        "credentials/status/<str:code>/",
        credential_views.credential_status_list,
        name="credential_status_list",
    ),
    path(".well-known/jwks.json", credential_views.jwks, name="credential_jwks"),
    path("provinces/<str:code>/did.json", credential_views.province_did, name="province_did"),
]
