"""Pure subsidy eligibility checks and amount rule (D-27, D-28). No database access here: the
selectors gather the facts, these functions decide. Every check returns a CheckResult with a
Chinese reason so a decision can be explained and reproduced (it is snapshotted at submission).

Decisions where the rules were silent:
- Covered certificate kinds: training subsidy ← training certificate; evaluation and skill
  upgrade ← skill-level certificate (COVERED_KINDS).
- Window: the last day is the certificate date plus N calendar months (same day of month, clamped
  to month end), inclusive.
- "Subsidised" for the occupation+level and lower-level checks means approved/in batch/paid;
  the per-certificate and yearly limits also count applications still pending (submitted, notice)
  so that parallel submissions cannot exceed the limits.
- Working days are Monday–Friday; there is no public-holiday calendar.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TRAINING, EVALUATION, SKILL_UPGRADE = "training", "evaluation", "skill_upgrade"
KIND_TRAINING, KIND_SKILL_LEVEL = "training", "skill_level"
COVERED_KINDS: dict[str, set[str]] = {
    TRAINING: {KIND_TRAINING},
    EVALUATION: {KIND_SKILL_LEVEL},
    SKILL_UPGRADE: {KIND_SKILL_LEVEL},
}
SUBSIDISED = {"approved", "in_batch", "paid"}
LIVE = SUBSIDISED | {"submitted", "notice"}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PriorApplication:
    certificate_id: int
    subsidy_type: str
    occupation: str
    level: int | None
    status: str
    year: int


@dataclass(frozen=True)
class PolicyLimits:
    application_window_months: int = 12
    min_contribution_months: int = 12
    per_type_per_year: int = 1
    total_per_year: int = 3
    require_filed_employer: bool = True
    age_limits_enabled: bool = False
    min_age: int = 16
    max_age_male: int = 60
    max_age_female: int = 55
    review_target_working_days: int = 5
    notice_working_days: int = 5


@dataclass(frozen=True)
class EligibilityFacts:
    subsidy_type: str
    apply_date: dt.date
    certificate_id: int
    certificate_kind: str
    certificate_valid: bool
    occupation: str
    level: int | None
    issue_date: dt.date
    banned: bool
    employed: bool
    employer_filed: bool
    has_labour_contract: bool
    ui_contribution_months: int
    gender: str = ""
    birth_date: dt.date | None = None
    prior: tuple[PriorApplication, ...] = field(default_factory=tuple)
    policy: PolicyLimits = field(default_factory=PolicyLimits)


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Monday–Friday only; no holiday calendar (D-29)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count


def review_overdue(*, submitted_on: dt.date, today: dt.date, target_working_days: int) -> bool:
    """D-29: a submitted application is overdue once more working days than the region's review
    target have passed since submission."""
    return working_days_between(submitted_on, today) > target_working_days


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_not_banned(f: EligibilityFacts) -> CheckResult:
    if f.banned:
        return CheckResult("not_banned", False, "该人员在禁入名单中，不得申请补贴")
    return CheckResult("not_banned", True, "未在禁入名单中")


def check_certificate_covered(f: EligibilityFacts) -> CheckResult:
    name = "certificate_covered"
    if not f.certificate_valid:
        return CheckResult(name, False, "证书已撤销或无效")
    if f.certificate_kind not in COVERED_KINDS[f.subsidy_type]:
        return CheckResult(name, False, "该证书类型不在此项补贴的支持范围内")
    if f.subsidy_type != TRAINING and f.level is None:
        return CheckResult(name, False, "职业技能等级证书缺少等级")
    return CheckResult(name, True, "证书有效且属于此项补贴支持的类型")


def check_within_window(f: EligibilityFacts) -> CheckResult:
    months = f.policy.application_window_months
    last_day = add_months(f.issue_date, months)
    if f.apply_date < f.issue_date or f.apply_date > last_day:
        return CheckResult(
            "within_window", False, f"须在发证之日起{months}个月内申请（截止{last_day:%Y-%m-%d}）"
        )
    return CheckResult("within_window", True, f"在发证后{months}个月内（截止{last_day:%Y-%m-%d}）")


def check_contributions(f: EligibilityFacts) -> CheckResult:
    need = f.policy.min_contribution_months
    if f.subsidy_type != SKILL_UPGRADE:
        return CheckResult("ui_contributions", True, "此项补贴不要求失业保险缴费月数")
    if f.ui_contribution_months < need:
        return CheckResult(
            "ui_contributions", False, f"失业保险缴费{f.ui_contribution_months}个月，不足{need}个月"
        )
    return CheckResult("ui_contributions", True, f"失业保险缴费已满{need}个月")


def check_not_subsidised_before(f: EligibilityFacts) -> CheckResult:
    name = "not_subsidised_before"
    if f.level is None:
        return CheckResult(name, True, "不分等级")
    for p in f.prior:
        if p.status in SUBSIDISED and p.occupation == f.occupation and p.level == f.level:
            return CheckResult(name, False, "同一职业同一等级已享受过补贴")
    return CheckResult(name, True, "同一职业同一等级未享受过补贴")


def check_certificate_not_used(f: EligibilityFacts) -> CheckResult:
    for p in f.prior:
        if (
            p.status in LIVE
            and p.certificate_id == f.certificate_id
            and p.subsidy_type != f.subsidy_type
        ):
            return CheckResult("certificate_not_used", False, "该证书已申请或享受过其他类型补贴")
    return CheckResult("certificate_not_used", True, "该证书未用于其他补贴")


def check_no_lower_level(f: EligibilityFacts) -> CheckResult:
    name = "no_lower_level"
    if f.level is None:
        return CheckResult(name, True, "不分等级")
    for p in f.prior:
        if (
            p.status in SUBSIDISED
            and p.occupation == f.occupation
            and p.level is not None
            and p.level < f.level
        ):
            return CheckResult(name, False, "已享受更高等级补贴，不能再申请较低等级")
    return CheckResult(name, True, "未享受过更高等级补贴")


def check_yearly_limits(f: EligibilityFacts) -> CheckResult:
    year = f.apply_date.year
    live = [p for p in f.prior if p.status in LIVE and p.year == year]
    same_type = sum(1 for p in live if p.subsidy_type == f.subsidy_type)
    if same_type >= f.policy.per_type_per_year:
        return CheckResult(
            "yearly_limits", False, f"{year}年此类补贴已达{f.policy.per_type_per_year}次上限"
        )
    if len(live) >= f.policy.total_per_year:
        return CheckResult(
            "yearly_limits", False, f"{year}年补贴已达{f.policy.total_per_year}次上限"
        )
    return CheckResult("yearly_limits", True, f"{year}年补贴次数未超限")


def check_employment(f: EligibilityFacts) -> CheckResult:
    name = "filed_employer"
    if not f.employed:
        return CheckResult(name, False, "当前未在托育机构任职")
    if f.policy.require_filed_employer and not f.employer_filed:
        return CheckResult(name, False, "任职机构未备案")
    if not f.has_labour_contract:
        return CheckResult(name, False, "未与任职机构签订劳动合同")
    return CheckResult(name, True, "在已备案托育机构任职并签订劳动合同")


def check_age(f: EligibilityFacts) -> CheckResult:
    p = f.policy
    if not p.age_limits_enabled:
        return CheckResult("age_limits", True, "未启用年龄限制")
    if f.birth_date is None:
        return CheckResult("age_limits", False, "缺少出生日期，无法核验年龄")
    age = age_on(f.birth_date, f.apply_date)
    upper = p.max_age_female if f.gender == "F" else p.max_age_male
    if age < p.min_age or age > upper:
        return CheckResult("age_limits", False, f"年龄{age}岁，不在{p.min_age}–{upper}岁之间")
    return CheckResult("age_limits", True, f"年龄{age}岁，符合要求")


CHECKS = (
    check_not_banned,
    check_certificate_covered,
    check_within_window,
    check_contributions,
    check_not_subsidised_before,
    check_certificate_not_used,
    check_no_lower_level,
    check_yearly_limits,
    check_employment,
    check_age,
)


def evaluate(facts: EligibilityFacts) -> list[CheckResult]:
    return [check(facts) for check in CHECKS]


def compute_amount(*, base: Decimal, uplift_percent: Decimal | None) -> Decimal:
    """D-28: base × (1 + uplift%), Decimal yuan rounded to the cent, half up."""
    amount = Decimal(base)
    if uplift_percent:
        amount = amount * (Decimal(100) + Decimal(uplift_percent)) / Decimal(100)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def uplift_applies(*, level: int | None, max_level_number: int) -> bool:
    """Lower number = higher level: level 3 "or above" is level <= 3."""
    return level is not None and level <= max_level_number
