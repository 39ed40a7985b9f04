"""D-39: pure rules that flag a training base's class as statistically implausible (防止乱培训、
滥发证). The selector gathers one ClassFacts per class in the database; these functions decide.
Each flag carries a plain-Chinese explanation the regulator reads on the base's page."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

# Fewer learners than this can share a score or a full roster by chance.
MIN_LEARNERS = 5
# No learner can genuinely study more than this in one day (D-9's daily cap is per person).
MAX_HOURS_PER_DAY = Decimal("8")


@dataclass(frozen=True)
class ClassFacts:
    enrolled: int
    present: int
    scored: int  # learners with a recorded score on this class's course at this base
    distinct_scores: int
    passed: int  # of the scored learners, those whose score passed
    credited_hours: Decimal  # hours the class credits each learner present
    scheduled_hours: Decimal  # the class's length, end minus start
    max_daily_hours: Decimal  # most hours one learner got at this base on the class's day


@dataclass(frozen=True)
class Flag:
    code: str
    message: str


def zero_variance(f: ClassFacts) -> Flag | None:
    if f.scored >= MIN_LEARNERS and f.distinct_scores == 1:
        return Flag(
            "zero_variance",
            _("%(n)s 名学员的考核成绩完全相同，成绩没有任何差异，真实考试中几乎不可能出现。")
            % {"n": f.scored},
        )
    return None


def full_attendance_identical_scores(f: ClassFacts) -> Flag | None:
    if f.enrolled >= MIN_LEARNERS and f.present == f.enrolled and zero_variance(f):
        return Flag(
            "full_attendance_identical",
            _("全班 %(n)s 人全部出勤且成绩一模一样，疑似代签到、统一填分。") % {"n": f.enrolled},
        )
    return None


def all_passed_same_score(f: ClassFacts) -> Flag | None:
    if f.passed == f.scored and zero_variance(f):
        return Flag(
            "all_passed_same_score",
            _("参加考核的 %(n)s 人全部合格，且分数相同，疑似未真实组织考核。") % {"n": f.scored},
        )
    return None


def hours_over_schedule(f: ClassFacts) -> Flag | None:
    if f.credited_hours > f.scheduled_hours:
        return Flag(
            "hours_over_schedule",
            _(
                "每人计入 %(credited)s 学时，但班次安排只有 %(scheduled)s 小时，学时多于实际上课时间。"
            )
            % {"credited": f.credited_hours, "scheduled": f.scheduled_hours},
        )
    return None


def hours_over_daily_limit(f: ClassFacts) -> Flag | None:
    if f.max_daily_hours > MAX_HOURS_PER_DAY:
        return Flag(
            "hours_over_daily_limit",
            _("有学员当天在本基地获得 %(hours)s 学时，超过每天 %(limit)s 学时的合理上限。")
            % {"hours": f.max_daily_hours, "limit": MAX_HOURS_PER_DAY},
        )
    return None


RULES = (
    full_attendance_identical_scores,
    all_passed_same_score,
    zero_variance,
    hours_over_schedule,
    hours_over_daily_limit,
)


def class_flags(f: ClassFacts) -> list[Flag]:
    """Every implausibility the class shows; empty when nothing stands out."""
    return [flag for rule in RULES if (flag := rule(f)) is not None]


def pass_rate(passed: int, total: int) -> Decimal | None:
    """Share of passing results in percent (one decimal); None without any result."""
    if not total:
        return None
    return (Decimal(passed) * 100 / Decimal(total)).quantize(Decimal("0.1"))
