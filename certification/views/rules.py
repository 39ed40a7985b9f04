"""Policy-table pages (DOMAIN preamble: the rules are data with effective dates): requirement
rules and learning policy for regulators, subsidy policy, standards and urgent occupations for
HR reviewers. Thin: form → access → one service. /rules/ is the requirement table's address."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certification.access import require_role
from certification.access.policies import (
    access_policy_row_for_edit,
    access_policy_table,
    can_edit_row,
    policy_regions,
    policy_tables_for,
)
from certification.forms_rules import PolicyEndForm, policy_version_form
from certification.models import StaffRole
from certification.selectors.rules import policy_rows_for_editor
from certification.services.policies import (
    policy_version_create,
    policy_version_end,
    policy_version_revise,
)
from certification.tasks.compliance import recompute_progress

REQUIREMENTS = "requirements"


def _add_errors(form, exc: ValidationError) -> None:
    for field, errs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errs)


def _list_url(table) -> str:
    if table.slug == REQUIREMENTS:
        return reverse("certification:rule_list")
    return reverse("certification:policy_list", args=[table.slug])


def _edit_url(table, row) -> str:
    if table.slug == REQUIREMENTS:
        return reverse("certification:rule_edit", args=[row.pk])
    return reverse("certification:policy_edit", args=[table.slug, row.pk])


def _cell(row, name: str):
    value = getattr(row, name)
    display = getattr(row, f"get_{name}_display", None)
    if display is not None and value is not None:
        return display()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value in (None, "") else value


def _columns(table) -> list:
    return [
        table.model._meta.get_field(f).verbose_name for f in table.key_fields + table.value_fields
    ]


@never_cache
@login_required
def policy_index(request):
    tables = policy_tables_for(request.user)
    if not tables:  # audited refusal for anyone who keeps no table
        require_role(
            request.user,
            StaffRole.REGULATOR,
            StaffRole.HR_REVIEWER,
            request=request,
            action="policy.list",
        )
    return render(
        request,
        "certification/policies/index.html",
        {"tables": [(table, _list_url(table)) for table in tables]},
    )


@never_cache
@login_required
def policy_list(request, slug: str = REQUIREMENTS):
    table, scope = access_policy_table(request.user, slug, request=request)
    today = timezone.localdate()
    parts = policy_rows_for_editor(table=table, scope=scope, today=today)
    for key, rows in parts.items():
        for row in rows:
            # Ended rows are history: never edited.
            row.editable = key != "ended" and can_edit_row(scope, table, row)
            row.edit_url = _edit_url(table, row) if row.editable else ""
            row.cells = [_cell(row, f) for f in table.key_fields + table.value_fields]
    return render(
        request,
        "certification/policies/list.html",
        {
            "table": table,
            "columns": _columns(table),
            "parts": parts,
            "today": today,
            "create_url": (
                reverse("certification:rule_create")
                if slug == REQUIREMENTS
                else reverse("certification:policy_create", args=[slug])
            ),
            "recompute": recompute_progress() if table.moves_compliance else None,
        },
    )


@never_cache
@login_required
def policy_new(request, slug: str = REQUIREMENTS):
    table, scope = access_policy_table(request.user, slug, request=request, verb="create")
    form = policy_version_form(
        table,
        creating=True,
        regions=policy_regions(scope, table),
        data=request.POST or None,
        initial={"effective_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy_version_create(actor=request.user, table=table, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _saved_message(table))
            return redirect(_list_url(table))
    return render(
        request,
        "certification/policies/form.html",
        {"form": form, "table": table, "row": None, "list_url": _list_url(table)},
    )


def _saved_message(table) -> str:
    if table.moves_compliance:
        return _("规则已保存，相关人员的达标状态将重新计算。")
    return _("已保存，新申请按生效日期适用新版本。")


@never_cache
@login_required
def policy_edit(request, row_id: int, slug: str = REQUIREMENTS):
    table, _scope = access_policy_table(request.user, slug, request=request, verb="edit")
    row = access_policy_row_for_edit(request.user, table, row_id, request=request)
    today = timezone.localdate()
    initial = {f: getattr(row, f) for f in table.version_fields}
    if row.effective_from <= today:  # in effect: the new version starts today or later
        initial["effective_from"] = max(today, row.effective_from + dt.timedelta(days=1))
    form = policy_version_form(table, creating=False, data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            policy_version_revise(actor=request.user, table=table, row=row, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _saved_message(table))
            return redirect(_list_url(table))
    end_url = (
        reverse("certification:rule_end", args=[row.pk])
        if slug == REQUIREMENTS
        else reverse("certification:policy_end", args=[slug, row.pk])
    )
    return render(
        request,
        "certification/policies/form.html",
        {
            "form": form,
            "table": table,
            "row": row,
            "row_label": " · ".join(
                str(c) for c in [_cell(row, f) for f in table.key_fields] + [row.region.name]
            ),
            "in_effect": row.effective_from <= today,
            "end_form": PolicyEndForm(initial={"effective_to": today}),
            "end_url": end_url,
            "list_url": _list_url(table),
        },
    )


@never_cache
@login_required
@require_POST
def policy_end(request, row_id: int, slug: str = REQUIREMENTS):
    table, _scope = access_policy_table(request.user, slug, request=request, verb="end")
    row = access_policy_row_for_edit(request.user, table, row_id, request=request)
    form = PolicyEndForm(request.POST)
    if form.is_valid():
        try:
            policy_version_end(actor=request.user, table=table, row=row, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已设置失效日期。"))
            return redirect(_list_url(table))
    else:
        messages.error(request, _("请填写有效的失效日期。"))
    return redirect(_edit_url(table, row))
