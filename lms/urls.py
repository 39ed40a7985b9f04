from django.urls import include, path

app_name = "lms"

urlpatterns: list = [
    path("", include("lms.urls_offline")),
]
