"""The filters above every staff list (django-filter): one FilterSet per list, rendered by
templates/includes/filters.html, so every list filters, keeps its filters when paging and
exporting, and reports a bad value the same way.

A value that does not validate (an unknown role, a NUL byte) is left out of the filtering and
named next to its field; the list itself still answers.
"""

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certification.models import (
    AuditEvent,
    BanEntry,
    CreditRecord,
    Organisation,
    Person,
    RoleGrant,
    StaffRole,
)
from certification.models.staff import ORGANISATION_ROLES, REGION_ROLES, StaffMembership

ALL = _("全部")


def _matching(*lookups):
    """A filter method: rows where any of `lookups` matches the typed text."""

    def method(queryset, _name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for lookup in lookups:
            condition |= Q(**{lookup: value})
        return queryset.filter(condition)

    return method


def _search(label, *lookups):
    return filters.CharFilter(
        label=label,
        method=_matching(*lookups),
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class OrganisationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(label=_("类型"), choices=Organisation.Kind.choices, empty_label=ALL)
    q = _search(_("名称或信用代码"), "name__icontains", "credit_code__icontains")

    class Meta:
        model = Organisation
        fields = []


class GrantFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        label=_("状态"), choices=RoleGrant.Status.choices, empty_label=ALL
    )
    role = filters.ChoiceFilter(
        label=_("角色"),
        choices=[(r.value, r.label) for r in StaffRole if r in ORGANISATION_ROLES | REGION_ROLES],
        empty_label=ALL,
    )
    q = _search(_("姓名或邮箱"), "display_name__icontains", "email__icontains")

    class Meta:
        model = RoleGrant
        fields = []


class StaffFilter(filters.FilterSet):
    role = filters.ChoiceFilter(label=_("角色"), choices=StaffRole.choices, empty_label=ALL)
    q = _search(_("邮箱或姓名"), "user__email__icontains", "user__display_name__icontains")

    class Meta:
        model = StaffMembership
        fields = []


class AuditFilter(filters.FilterSet):
    action = filters.CharFilter(label=_("操作类型"), lookup_expr="startswith", max_length=64)
    since = filters.DateFilter(
        label=_("起始日期"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = filters.DateFilter(
        label=_("截止日期"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = []


class PersonFilter(filters.FilterSet):
    q = _search(_("按姓名查找"), "name__contains")

    class Meta:
        model = Person
        fields = []


class BanFilter(filters.FilterSet):
    q = _search(_("姓名或文书号"), "name__contains", "decision_number__contains")

    class Meta:
        model = BanEntry
        fields = []


class CreditFilter(filters.FilterSet):
    subject_kind = filters.ChoiceFilter(
        label=_("对象类型"), choices=CreditRecord.SubjectKind.choices, empty_label=ALL
    )
    kind = filters.ChoiceFilter(label=_("类别"), choices=CreditRecord.Kind.choices, empty_label=ALL)
    since = filters.DateFilter(
        label=_("决定日期起"),
        field_name="decision_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = filters.DateFilter(
        label=_("决定日期止"),
        field_name="decision_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = _search(
        _("名称、姓名或文号"),
        "organisation__name__contains",
        "person_name__contains",
        "decision_number__contains",
    )

    class Meta:
        model = CreditRecord
        fields = []
