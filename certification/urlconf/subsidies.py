"""URLs for the subsidies area (joined into certification.urls)."""

from django.urls import path

from certification.views import subsidies as views

urlpatterns: list = [
    path("subsidies/review/", views.review_queue, name="subsidy_review_queue"),
    path("subsidies/review/<int:application_id>/", views.review, name="subsidy_review"),
    path("subsidies/notice/", views.public_notice, name="subsidy_notice"),
    path("subsidies/batches/", views.payment_batch_list, name="payment_batch_list"),
]
