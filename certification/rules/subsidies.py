"""Pure subsidy eligibility checks and amount rule (D-27, D-28). No database access here: the
selectors gather the facts, these functions decide. Every check returns a CheckResult with a
reason so a decision can be explained and reproduced (it is snapshotted at submission).

Reasons are kept as a Chinese msgid plus named parameters and translated when read
(`CheckResult.reason`), so the eligibility page and the HR review read in the viewer's language.
The snapshot (`as_dict`) stores the msgid and parameters next to the Chinese text; snapshots made
before that hold only the Chinese text, which is shown as stored (translated when it has no
parameters).

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
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, override

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


def _shown(value):
    """Params stay JSON-friendly (dates as ISO strings, so snapshots keep them); a reason shows
    them in the reader's date format."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    msgid: str
    params: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason in the active language."""
        text = gettext(self.msgid)
        if not self.params:
            return text
        return text % {key: _shown(value) for key, value in self.params.items()}

    def as_dict(self) -> dict:
        data = asdict(self)
        with override("zh-hans"):
            data["reason"] = self.reason
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        """A snapshot back as a result; old snapshots (text only) keep their stored text."""
        if "msgid" in data:
            return cls(data["name"], data["passed"], data["msgid"], data.get("params") or {})
        return cls(data.get("name", ""), data.get("passed", False), data.get("reason", ""))


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


def is_working_day(day: dt.date, exceptions: Mapping[dt.date, bool]) -> bool:
    """D-35: Monday–Friday unless the calendar says otherwise (holiday, or 调休 make-up day)."""
    return exceptions.get(day, day.weekday() < 5)


def add_working_days(start: dt.date, days: int, exceptions: Mapping[dt.date, bool]) -> dt.date:
    """The day `days` working days after `start` (D-29, D-35)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            days -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, exceptions: Mapping[dt.date, bool]) -> int:
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            count += 1
    return count


def review_overdue(
    *,
    submitted_on: dt.date,
    today: dt.date,
    target_working_days: int,
    exceptions: Mapping[dt.date, bool],
) -> bool:
    """D-29: a submitted application is overdue once more working days than the region's review
    target have passed since submission."""
    return working_days_between(submitted_on, today, exceptions) > target_working_days


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_not_banned(f: EligibilityFacts) -> CheckResult:
    if f.banned:
        return CheckResult("not_banned", False, gettext_noop("该人员在禁入名单中，不得申请补贴"))
    return CheckResult("not_banned", True, gettext_noop("未在禁入名单中"))


def check_certificate_covered(f: EligibilityFacts) -> CheckResult:
    name = "certificate_covered"
    if not f.certificate_valid:
        return CheckResult(name, False, gettext_noop("证书已撤销或无效"))
    if f.certificate_kind not in COVERED_KINDS[f.subsidy_type]:
        return CheckResult(name, False, gettext_noop("该证书类型不在此项补贴的支持范围内"))
    if f.subsidy_type != TRAINING and f.level is None:
        return CheckResult(name, False, gettext_noop("职业技能等级证书缺少等级"))
    return CheckResult(name, True, gettext_noop("证书有效且属于此项补贴支持的类型"))


def check_within_window(f: EligibilityFacts) -> CheckResult:
    months = f.policy.application_window_months
    last_day = add_months(f.issue_date, months)
    params = {"months": months, "last_day": last_day.isoformat()}
    if f.apply_date < f.issue_date or f.apply_date > last_day:
        return CheckResult(
            "within_window",
            False,
            gettext_noop("须在发证之日起%(months)s个月内申请（截止%(last_day)s）"),
            params,
        )
    return CheckResult(
        "within_window", True, gettext_noop("在发证后%(months)s个月内（截止%(last_day)s）"), params
    )


def check_contributions(f: EligibilityFacts) -> CheckResult:
    need = f.policy.min_contribution_months
    if f.subsidy_type != SKILL_UPGRADE:
        return CheckResult("ui_contributions", True, gettext_noop("此项补贴不要求失业保险缴费月数"))
    if f.ui_contribution_months < need:
        return CheckResult(
            "ui_contributions",
            False,
            gettext_noop("失业保险缴费%(months)s个月，不足%(need)s个月"),
            {"months": f.ui_contribution_months, "need": need},
        )
    return CheckResult(
        "ui_contributions", True, gettext_noop("失业保险缴费已满%(need)s个月"), {"need": need}
    )


def check_not_subsidised_before(f: EligibilityFacts) -> CheckResult:
    name = "not_subsidised_before"
    if f.level is None:
        return CheckResult(name, True, gettext_noop("不分等级"))
    for p in f.prior:
        if p.status in SUBSIDISED and p.occupation == f.occupation and p.level == f.level:
            return CheckResult(name, False, gettext_noop("同一职业同一等级已享受过补贴"))
    return CheckResult(name, True, gettext_noop("同一职业同一等级未享受过补贴"))


def check_certificate_not_used(f: EligibilityFacts) -> CheckResult:
    for p in f.prior:
        if (
            p.status in LIVE
            and p.certificate_id == f.certificate_id
            and p.subsidy_type != f.subsidy_type
        ):
            return CheckResult(
                "certificate_not_used", False, gettext_noop("该证书已申请或享受过其他类型补贴")
            )
    return CheckResult("certificate_not_used", True, gettext_noop("该证书未用于其他补贴"))


def check_no_lower_level(f: EligibilityFacts) -> CheckResult:
    name = "no_lower_level"
    if f.level is None:
        return CheckResult(name, True, gettext_noop("不分等级"))
    for p in f.prior:
        if (
            p.status in SUBSIDISED
            and p.occupation == f.occupation
            and p.level is not None
            and p.level < f.level
        ):
            return CheckResult(name, False, gettext_noop("已享受更高等级补贴，不能再申请较低等级"))
    return CheckResult(name, True, gettext_noop("未享受过更高等级补贴"))


def check_yearly_limits(f: EligibilityFacts) -> CheckResult:
    year = f.apply_date.year
    live = [p for p in f.prior if p.status in LIVE and p.year == year]
    same_type = sum(1 for p in live if p.subsidy_type == f.subsidy_type)
    if same_type >= f.policy.per_type_per_year:
        return CheckResult(
            "yearly_limits",
            False,
            gettext_noop("%(year)s年此类补贴已达%(limit)s次上限"),
            {"year": year, "limit": f.policy.per_type_per_year},
        )
    if len(live) >= f.policy.total_per_year:
        return CheckResult(
            "yearly_limits",
            False,
            gettext_noop("%(year)s年补贴已达%(limit)s次上限"),
            {"year": year, "limit": f.policy.total_per_year},
        )
    return CheckResult(
        "yearly_limits", True, gettext_noop("%(year)s年补贴次数未超限"), {"year": year}
    )


def check_employment(f: EligibilityFacts) -> CheckResult:
    name = "filed_employer"
    if not f.employed:
        return CheckResult(name, False, gettext_noop("当前未在托育机构任职"))
    if f.policy.require_filed_employer and not f.employer_filed:
        return CheckResult(name, False, gettext_noop("任职机构未备案"))
    if not f.has_labour_contract:
        return CheckResult(name, False, gettext_noop("未与任职机构签订劳动合同"))
    return CheckResult(name, True, gettext_noop("在已备案托育机构任职并签订劳动合同"))


def check_age(f: EligibilityFacts) -> CheckResult:
    p = f.policy
    if not p.age_limits_enabled:
        return CheckResult("age_limits", True, gettext_noop("未启用年龄限制"))
    if f.birth_date is None:
        return CheckResult("age_limits", False, gettext_noop("缺少出生日期，无法核验年龄"))
    age = age_on(f.birth_date, f.apply_date)
    upper = p.max_age_female if f.gender == "F" else p.max_age_male
    if age < p.min_age or age > upper:
        return CheckResult(
            "age_limits",
            False,
            gettext_noop("年龄%(age)s岁，不在%(min)s–%(max)s岁之间"),
            {"age": age, "min": p.min_age, "max": upper},
        )
    return CheckResult("age_limits", True, gettext_noop("年龄%(age)s岁，符合要求"), {"age": age})


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
