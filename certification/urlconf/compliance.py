"""URLs for the compliance area (joined into certification.urls): the policy tables. /rules/
keeps the requirement rules' addresses; the other tables live under /policies/<table>/."""

from django.urls import path

from certification.views import rules as rule_views

urlpatterns: list = [
    path("rules/", rule_views.policy_list, name="rule_list"),
    path("rules/new/", rule_views.policy_new, name="rule_create"),
    path("rules/<int:row_id>/edit/", rule_views.policy_edit, name="rule_edit"),
    path("rules/<int:row_id>/end/", rule_views.policy_end, name="rule_end"),
    path("policies/", rule_views.policy_index, name="policy_index"),
    path("policies/<slug:slug>/", rule_views.policy_list, name="policy_list"),
    path("policies/<slug:slug>/new/", rule_views.policy_new, name="policy_create"),
    path("policies/<slug:slug>/<int:row_id>/edit/", rule_views.policy_edit, name="policy_edit"),
    path("policies/<slug:slug>/<int:row_id>/end/", rule_views.policy_end, name="policy_end"),
]
