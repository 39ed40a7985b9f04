"""The data-exchange API (D-32), mounted at /api/v1/."""

from certification.api.api import api

app_name = "api-v1"
urlpatterns: list = [*api.urls[0]]
