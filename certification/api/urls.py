"""The data-exchange API (D-32), mounted at /api/v1/."""

urlpatterns: list = []
