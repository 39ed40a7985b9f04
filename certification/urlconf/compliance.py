"""URLs for the compliance area (joined into certification.urls): requirement rules."""

from django.urls import path

from certification.views import rules as rule_views

urlpatterns: list = [
    path("rules/", rule_views.rule_list, name="rule_list"),
    path("rules/new/", rule_views.rule_new, name="rule_create"),
    path("rules/<int:rule_id>/edit/", rule_views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/end/", rule_views.rule_end, name="rule_end"),
]
