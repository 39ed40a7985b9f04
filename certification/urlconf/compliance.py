"""URLs for the compliance area (joined into certification.urls)."""

urlpatterns: list = []
