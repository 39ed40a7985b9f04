"""D-17: pure eligibility rules for a training certificate. No database access here: the
service gathers the facts, these functions turn them into refusal reasons (sentences in the active
language; Chinese by default)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class TrainingFacts:
    theory_required: Decimal
    practice_required: Decimal
    theory_earned: Decimal
    practice_earned: Decimal
    needs_theory_test: bool
    theory_passed: bool
    needs_practical: bool
    practical_passed: bool
    # (valid_from, valid_to) of accreditations of the base that list the course
    accreditation_windows: tuple[tuple[dt.date, dt.date], ...]
    issue_date: dt.date
    banned: bool = False
    base_operating: bool = True  # a suspended or withdrawn base issues nothing (issue 15)
    # D-39: decision numbers of regulators' suspensions/withdrawals of the accreditations
    accreditation_stops: tuple[str, ...] = ()


def training_refusals(facts: TrainingFacts) -> list[str]:
    """D-17: every reason a training certificate cannot be issued; empty list = eligible."""
    reasons: list[str] = []
    if facts.theory_earned < facts.theory_required:
        reasons.append(
            _("理论学时不足：要求 %(required)s 学时，已取得 %(earned)s 学时。")
            % {"required": facts.theory_required, "earned": facts.theory_earned}
        )
    if facts.practice_earned < facts.practice_required:
        reasons.append(
            _("实操学时不足：要求 %(required)s 学时，已取得 %(earned)s 学时。")
            % {"required": facts.practice_required, "earned": facts.practice_earned}
        )
    if facts.needs_theory_test and not facts.theory_passed:
        reasons.append(_("理论考试未通过。"))
    if facts.needs_practical and not facts.practical_passed:
        reasons.append(_("实操考核未通过。"))
    if not facts.accreditation_windows and not facts.accreditation_stops:
        reasons.append(_("本基地的培训资质不包含该课程。"))
    elif facts.accreditation_windows and not any(
        a <= facts.issue_date <= b for a, b in facts.accreditation_windows
    ):
        reasons.append(_("本基地该课程的培训资质在发证日期已过期或未生效。"))
    if facts.banned:
        reasons.append(_("该人员不得从事托育服务，请联系卫生健康部门。"))
    reasons += suspension_refusals(
        base_operating=facts.base_operating,
        accreditation_windows=facts.accreditation_windows,
        accreditation_stops=facts.accreditation_stops,
    )
    return reasons


def suspension_refusals(
    *,
    base_operating: bool,
    accreditation_windows: tuple[tuple[dt.date, dt.date], ...],
    accreditation_stops: tuple[str, ...],
) -> list[str]:
    """D-39: why a base cannot issue the course at all — the base itself suspended or withdrawn,
    or its accreditations for the course stopped by a regulator with none left in force."""
    reasons = []
    if not accreditation_windows and accreditation_stops:
        reasons.append(
            _(
                "本基地该课程的培训资质已被卫生健康部门暂停或撤销（决定文号：%(numbers)s），"
                "暂停期间不能发证。"
            )
            % {"numbers": "、".join(n for n in accreditation_stops if n) or "—"}
        )
    if not base_operating:
        reasons.append(_("本培训基地已被暂停或撤销，不能发证。"))
    return reasons


SERIAL_PREFIX = {"training": "TC", "cycle_statement": "CS", "skill_level": "SL"}


def format_serial(prefix: str, year: int, value: int) -> str:
    """D-20: e.g. TC-2026-000123."""
    return f"{prefix}-{year}-{value:06d}"


def mask_name(name: str) -> str:
    """王小英 → 王*英; 王英 → 王*; single characters stay."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
