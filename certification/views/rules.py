"""Requirement-rule pages for regulators (D-6, D-15). Thin: form → access → one service."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certification.access.rules import (
    access_rule_for_edit,
    can_edit_rule,
    require_rule_editor,
    rule_regions,
)
from certification.forms_rules import (
    RequirementRuleEndForm,
    RequirementRuleForm,
    RequirementRuleRevisionForm,
)
from certification.selectors.rules import requirement_rules_for_regulator
from certification.services.rules import (
    VALUE_FIELDS,
    requirement_rule_create,
    requirement_rule_end,
    requirement_rule_revise,
)
from certification.tasks.compliance import recompute_progress


def _add_errors(form, exc: ValidationError) -> None:
    for field, errs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errs)


@never_cache
@login_required
def rule_list(request):
    scope = require_rule_editor(request.user, request=request, action="rule.list")
    today = timezone.localdate()
    parts = requirement_rules_for_regulator(scope=scope, today=today)
    for row in parts["in_force"] + parts["scheduled"]:  # ended rows are history: never edited
        row.editable = can_edit_rule(scope, row)
    return render(
        request,
        "certification/rules/list.html",
        {
            "parts": parts,
            "today": today,
            "recompute": recompute_progress(),
        },
    )


@never_cache
@login_required
def rule_new(request):
    scope = require_rule_editor(request.user, request=request, action="rule.create")
    form = RequirementRuleForm(
        request.POST or None,
        regions=rule_regions(scope),
        initial={"effective_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            requirement_rule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("规则已保存，相关人员的达标状态将重新计算。"))
            return redirect("certification:rule_list")
    return render(request, "certification/rules/form.html", {"form": form, "rule": None})


@never_cache
@login_required
def rule_edit(request, rule_id: int):
    rule = access_rule_for_edit(request.user, rule_id, request=request)
    today = timezone.localdate()
    initial = {f: getattr(rule, f) for f in VALUE_FIELDS}
    if rule.effective_from <= today:  # in effect: the new version starts today or later
        initial["effective_from"] = max(today, rule.effective_from + dt.timedelta(days=1))
    form = RequirementRuleRevisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            requirement_rule_revise(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("规则已保存，相关人员的达标状态将重新计算。"))
            return redirect("certification:rule_list")
    return render(
        request,
        "certification/rules/form.html",
        {
            "form": form,
            "rule": rule,
            "in_effect": rule.effective_from <= today,
            "end_form": RequirementRuleEndForm(initial={"effective_to": today}),
        },
    )


@never_cache
@login_required
@require_POST
def rule_end(request, rule_id: int):
    rule = access_rule_for_edit(request.user, rule_id, request=request)
    form = RequirementRuleEndForm(request.POST)
    if form.is_valid():
        try:
            requirement_rule_end(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("规则已设置失效日期。"))
            return redirect("certification:rule_list")
    else:
        messages.error(request, _("请填写有效的失效日期。"))
    return redirect("certification:rule_edit", rule_id=rule.pk)
