"""URLs for the certificates area (joined into certification.urls)."""

urlpatterns: list = []
