"""URLs for the subsidies area (joined into certification.urls)."""

urlpatterns: list = []
