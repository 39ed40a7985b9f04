"""URLs of the outbox pages (D-40, joined into certification.urls)."""

from django.urls import path

from certification.views import outbox as views

urlpatterns: list = [
    path("manage/outbox/", views.delivery_list, name="outbox_delivery_list"),
    path(
        "manage/outbox/<int:delivery_id>/retry/",
        views.delivery_retry_view,
        name="outbox_delivery_retry",
    ),
    path("manage/outbox/receivers/", views.receiver_list, name="outbox_receiver_list"),
    path("manage/outbox/receivers/new/", views.receiver_new, name="outbox_receiver_new"),
    path(
        "manage/outbox/receivers/<int:receiver_id>/",
        views.receiver_edit,
        name="outbox_receiver_edit",
    ),
]
