"""URLs for the dashboards area (joined into certification.urls)."""

urlpatterns: list = []
