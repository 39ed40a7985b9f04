"""URLs for the subsidies area (joined into certification.urls)."""

from django.urls import path

from certification.views import subsidies as views

urlpatterns: list = [
    path("subsidies/review/", views.review_queue, name="subsidy_review_queue"),
    path("subsidies/review/<int:application_id>/", views.review, name="subsidy_review"),
    path("subsidies/approval/", views.final_approval, name="subsidy_final_approval"),
    path("subsidies/objections/", views.objection_list, name="subsidy_objections"),
    path("subsidies/notice/", views.public_notice, name="subsidy_notice"),
    path("subsidies/eligibility/", views.eligibility, name="subsidy_eligibility"),
    path("subsidies/apply/", views.apply, name="subsidy_apply"),
    path("subsidies/mine/", views.my_applications, name="my_subsidy_applications"),
    path("subsidies/mine/<int:application_id>/withdraw/", views.withdraw, name="subsidy_withdraw"),
    path("subsidies/batches/", views.payment_batch_list, name="payment_batch_list"),
]
