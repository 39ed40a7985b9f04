"""URLs for the credit file (D-38), joined into certification.urls."""

from django.urls import path

from certification.views import credit as views

urlpatterns: list = [
    path("credit/", views.credit_list, name="credit_list"),
    path("credit/new/", views.credit_new, name="credit_create"),
    path("credit/<int:record_id>/", views.credit_detail, name="credit_detail"),
    path("credit/<int:record_id>/annul/", views.credit_annul, name="credit_annul"),
    path("credit/public/", views.credit_public_search, name="credit_public_search"),
    path(
        "credit/public/<str:credit_code>/",
        views.credit_public_organisation,
        name="credit_public_organisation",
    ),
]
