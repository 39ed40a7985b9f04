"""The policy tables a region keeps as data (DOMAIN preamble: "the rules are data, not
constants"; D-6, D-7, D-12, D-15, D-27, D-28): which model, which fields make a series, which
are the values, who keeps them, and the pure checks of a new version. No database here: the
service adds the checks that need other rows (overlapping periods of the same series).

Every table is effective-dated (models.requirements.EffectiveDated): a version that has been in
effect is never changed, so every past decision can be explained by the row in force then.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import (
    BanRecheckDate,
    LearningPolicy,
    RequirementRule,
    StaffRole,
    SubsidyPolicy,
    SubsidyStandard,
    UrgentOccupation,
    WorkCertificateRule,
)
from certification.rules.requirements import RuleValues, requirement_rule_errors

Errors = dict[str | None, list[str]]

MAX_REMINDER_DAYS = 3 * 365
MAX_DAILY_CAP = Decimal("24")
MAX_AMOUNT = Decimal("100000")
MAX_GRACE_MONTHS = 60
# A re-check day missed (the beat was down) is caught up within this many days.
RECHECK_CATCH_UP_DAYS = 7


@dataclass(frozen=True)
class PolicyTable:
    slug: str
    model: type
    label: str
    # The staff role that keeps this table, within its region subtree.
    editor_role: str
    # Fields that, with the region, name one series of versions (periods must not overlap).
    key_fields: tuple[str, ...]
    value_fields: tuple[str, ...]
    check: Callable[[dict], Errors]
    # Audit actions are "<audit_prefix>.create/update/supersede/end".
    audit_prefix: str
    # Whether a change moves people's hour requirements (then cycle summaries are recomputed).
    moves_compliance: bool = False

    @property
    def version_fields(self) -> tuple[str, ...]:
        return (*self.value_fields, "effective_from", "effective_to", "note")


def period_errors(
    effective_from: dt.date, effective_to: dt.date | None, *, today: dt.date
) -> Errors:
    """Any version starts today or later (what has applied stays explainable) and does not end
    before it starts."""
    errors: Errors = {}
    if effective_from < today:
        errors["effective_from"] = [_("生效日期不能早于今天：已经适用过的规则不能追溯修改。")]
    if effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = [_("失效日期不能早于生效日期。")]
    return errors


def _requirement_errors(values: dict) -> Errors:
    errors = requirement_rule_errors(
        RuleValues(
            total_hours=Decimal(values["total_hours"]),
            theory_min=Decimal(values["theory_min"]),
            practice_min=Decimal(values["practice_min"]),
            cycle_years=int(values["cycle_years"]),
            yearly_min_hours=(
                None
                if values.get("yearly_min_hours") in (None, "")
                else Decimal(values["yearly_min_hours"])
            ),
        )
    )
    return errors


def _learning_errors(values: dict) -> Errors:
    """D-7: a class hour is 40–60 minutes; the daily cap is positive and within a day; reminder
    days are distinct positive numbers (D-14)."""
    errors: Errors = {}
    if not 40 <= int(values["minutes_per_class_hour"]) <= 60:
        errors["minutes_per_class_hour"] = [_("每学时分钟数应在 40 到 60 之间。")]
    if not Decimal("0") < Decimal(values["daily_cap_hours"]) <= MAX_DAILY_CAP:
        errors["daily_cap_hours"] = [_("每日学时上限应大于 0 且不超过 24。")]
    days = values.get("reminder_days") or []
    if any(not 0 < d <= MAX_REMINDER_DAYS for d in days) or len(set(days)) != len(days):
        errors["reminder_days"] = [
            _("到期提醒天数应为不重复的正整数，且不超过 %(max)s 天。") % {"max": MAX_REMINDER_DAYS}
        ]
    return errors


def _subsidy_policy_errors(values: dict) -> Errors:
    """D-27: the limits are counted in months, days or people's ages and must be coherent."""
    errors: Errors = {}
    if int(values["per_type_per_year"]) > int(values["total_per_year"]):
        errors["per_type_per_year"] = [_("每类每年次数不能超过每年总次数。")]
    if int(values["application_window_months"]) < 1:
        errors["application_window_months"] = [_("申请期限至少 1 个月。")]
    if values.get("age_limits_enabled") and not (
        int(values["min_age"]) < min(int(values["max_age_male"]), int(values["max_age_female"]))
    ):
        errors["min_age"] = [_("最低年龄应小于男女最高年龄。")]
    for field in ("review_target_working_days", "notice_working_days"):
        if int(values[field]) < 1:
            errors[field] = [_("工作日数至少为 1。")]
    return errors


def _standard_errors(values: dict) -> Errors:
    """D-28: an amount in yuan, positive and plausible."""
    if not Decimal("0") < Decimal(values["amount"]) <= MAX_AMOUNT:
        return {"amount": [_("金额应大于 0 且不超过 100000 元。")]}
    return {}


def _urgent_errors(values: dict) -> Errors:
    """D-28: the uplift is a percentage above the standard."""
    if not Decimal("0") < Decimal(values["uplift_percent"]) <= Decimal("100"):
        return {"uplift_percent": [_("上浮比例应大于 0 且不超过 100%。")]}
    return {}


def _recheck_date_errors(values: dict) -> Errors:
    """D-23: a day that exists every year (29 February does not)."""
    try:
        dt.date(2023, int(values["month"]), int(values["day"]))
    except ValueError:
        return {"day": [_("该月份没有这一天（不能选 2 月 29 日）。")]}
    return {}


def _work_certificate_errors(values: dict) -> Errors:
    """D-37: a grace period of whole months, and at least one kind of certificate that counts
    when the rule is on."""
    errors: Errors = {}
    if not 0 <= int(values["grace_months"]) <= MAX_GRACE_MONTHS:
        errors["grace_months"] = [
            _("取得证书期限应在 0 到 %(max)s 个月之间。") % {"max": MAX_GRACE_MONTHS}
        ]
    if values.get("required") and not (
        values.get("accepts_training") or values.get("accepts_skill_level")
    ):
        errors[None] = [_("要求持证上岗时，请至少选择一种认可的证书。")]
    return errors


def recheck_due(*, month: int, day: int, today: dt.date) -> bool:
    """Whether this year's re-check day has come within the catch-up window (D-23)."""
    this_year = dt.date(today.year, month, day)
    return 0 <= (today - this_year).days <= RECHECK_CATCH_UP_DAYS


REQUIREMENTS = PolicyTable(
    slug="requirements",
    model=RequirementRule,
    label=gettext_lazy("学时要求规则"),
    editor_role=StaffRole.REGULATOR,
    key_fields=("role",),
    value_fields=("total_hours", "theory_min", "practice_min", "cycle_years", "yearly_min_hours"),
    check=_requirement_errors,
    audit_prefix="rule",
    moves_compliance=True,
)

TABLES: dict[str, PolicyTable] = {
    table.slug: table
    for table in (
        REQUIREMENTS,
        PolicyTable(
            slug="learning",
            model=LearningPolicy,
            label=gettext_lazy("学时计算政策"),
            editor_role=StaffRole.REGULATOR,
            key_fields=(),
            value_fields=(
                "programme_start",
                "minutes_per_class_hour",
                "daily_cap_hours",
                "cycle_alignment",
                "reminder_days",
                "backdate_days",
            ),
            check=_learning_errors,
            audit_prefix="policy.learning",
            moves_compliance=True,
        ),
        PolicyTable(
            slug="ban-recheck",
            model=BanRecheckDate,
            label=gettext_lazy("禁入年度复查日期"),
            editor_role=StaffRole.REGULATOR,
            key_fields=(),
            value_fields=("month", "day"),
            check=_recheck_date_errors,
            audit_prefix="policy.ban_recheck",
        ),
        PolicyTable(
            slug="work-certificates",
            model=WorkCertificateRule,
            label=gettext_lazy("持证上岗要求"),
            editor_role=StaffRole.REGULATOR,
            key_fields=("role",),
            value_fields=("required", "grace_months", "accepts_training", "accepts_skill_level"),
            check=_work_certificate_errors,
            audit_prefix="policy.work_certificate",
        ),
        PolicyTable(
            slug="subsidy-policy",
            model=SubsidyPolicy,
            label=gettext_lazy("补贴政策参数"),
            editor_role=StaffRole.HR_REVIEWER,
            key_fields=(),
            value_fields=(
                "application_window_months",
                "min_contribution_months",
                "per_type_per_year",
                "total_per_year",
                "require_filed_employer",
                "age_limits_enabled",
                "min_age",
                "max_age_male",
                "max_age_female",
                "review_target_working_days",
                "notice_working_days",
            ),
            check=_subsidy_policy_errors,
            audit_prefix="policy.subsidy",
        ),
        PolicyTable(
            slug="subsidy-standards",
            model=SubsidyStandard,
            label=gettext_lazy("补贴标准"),
            editor_role=StaffRole.HR_REVIEWER,
            key_fields=("subsidy_type", "level"),
            value_fields=("amount",),
            check=_standard_errors,
            audit_prefix="policy.standard",
        ),
        PolicyTable(
            slug="urgent-occupations",
            model=UrgentOccupation,
            label=gettext_lazy("紧缺职业（工种）"),
            editor_role=StaffRole.HR_REVIEWER,
            key_fields=("occupation",),
            value_fields=("max_level_number", "uplift_percent"),
            check=_urgent_errors,
            audit_prefix="policy.urgent",
        ),
    )
}


def policy_version_errors(table: PolicyTable, values: dict, *, today: dt.date) -> Errors:
    """Every problem with a new version of a row of `table`, by field (None = the whole row)."""
    errors = table.check(values)
    for field, messages in period_errors(
        values["effective_from"], values.get("effective_to"), today=today
    ).items():
        errors.setdefault(field, []).extend(messages)
    return errors
