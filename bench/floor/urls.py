from django.urls import path

from bench.floor import views

urlpatterns = [
    path("row/<int:pk>", views.row),
    path("write/<int:pk>", views.write),
    path("page/<int:rows>", views.page),
]
