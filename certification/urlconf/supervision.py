"""URLs for training-base supervision (D-39; joined into certification.urls)."""

from django.urls import path

from certification.views import supervision as views

urlpatterns: list = [
    path("supervision/bases/", views.base_list, name="supervision_bases"),
    path("supervision/bases/<int:base_id>/", views.base_detail, name="supervision_base"),
    path(
        "supervision/accreditations/<int:accreditation_id>/decide/",
        views.accreditation_decide_view,
        name="accreditation_decide",
    ),
]
