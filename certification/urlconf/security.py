"""URLs for the security area (joined into certification.urls)."""

urlpatterns: list = []
