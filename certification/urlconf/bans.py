"""URLs for the bans area (joined into certification.urls)."""

urlpatterns: list = []
