"""Rule data every installation starts with (D-6, D-7, D-12, D-14, D-15, D-27, D-28).

The data migrations 0004–0006 call these functions with their historical `apps`; the test
harness (tests/conftest.py) calls them with the live app registry to put the rows back after a
transactional test has flushed the database. So they use only `apps.get_model(...)` and fields
that exist at the migration that first calls them, and they are idempotent.

Training and evaluation subsidy defaults are this project's assumptions.
"""

import datetime as dt
from decimal import Decimal

import chinese_calendar

# --- 0004: the national LearningPolicy (D-7, D-12, D-14)
LEARNING_POLICY_START = dt.date(2021, 1, 1)

# --- 0005: requirement rules (D-6 national, D-15 Qingyuan)
RULES_START = dt.date(2021, 1, 1)
# D-6 [seed 002 item 13 + default split]. health_worker / other: no national requirement is
# seeded (D-6 names only directors and caregivers); regulators may add rows for them.
NATIONAL_RULES = {
    "director": (Decimal("60"), Decimal("40"), Decimal("20")),
    "caregiver": (Decimal("120"), Decimal("40"), Decimal("80")),
}
NATIONAL_RULES_NOTE = "D-6 全国默认"
QINGYUAN_NOTE = "D-15 清远市：每年在岗培训 [seed 004]"

# --- 0006: subsidy standards, the national SubsidyPolicy, Qingyuan's urgent occupations
SUBSIDY_START = dt.date(2026, 1, 1)
SUBSIDY_NOTE = "seed_subsidy_standards"
STANDARDS = [
    ("skill_upgrade", 5, "1000"),
    ("skill_upgrade", 4, "1500"),
    ("skill_upgrade", 3, "2000"),
    ("skill_upgrade", 2, "2500"),
    ("skill_upgrade", 1, "3000"),
    ("evaluation", 5, "200"),
    ("evaluation", 4, "300"),
    ("evaluation", 3, "400"),
    ("evaluation", 2, "500"),
    ("evaluation", 1, "600"),
    ("training", None, "800"),
]
URGENT_OCCUPATIONS = ("4-10-01-03", "4-10-01-02")  # 保育师, 育婴员


def _qingyuan(apps):
    """Guangdong and Qingyuan exist before the region import runs (seeds refer to them)."""
    Region = apps.get_model("certification", "Region")
    guangdong = Region.objects.filter(code="440000").first() or Region.objects.create(
        code="440000", name="广东省", level="province", parent=None, path="440000/"
    )
    return Region.objects.filter(code="441800").first() or Region.objects.create(
        code="441800",
        name="清远市",
        level="prefecture",
        parent=guangdong,
        path=guangdong.path + "441800/",
    )


def seed_learning_policy(apps) -> None:
    """D-7, D-12, D-14: the national LearningPolicy row (region NULL)."""
    LearningPolicy = apps.get_model("certification", "LearningPolicy")
    if LearningPolicy.objects.filter(region__isnull=True).exists():
        return
    LearningPolicy.objects.create(
        region=None,
        effective_from=LEARNING_POLICY_START,
        minutes_per_class_hour=45,
        daily_cap_hours=Decimal("7"),
        programme_start=LEARNING_POLICY_START,
        reminder_days=[180, 90, 30],
        note="DOMAIN D-7/D-12/D-14 defaults",
    )


def seed_requirement_rules(apps) -> None:
    """D-6 national rules and Qingyuan's D-15 yearly in-service rule."""
    RequirementRule = apps.get_model("certification", "RequirementRule")
    for role, (total, theory, practice) in NATIONAL_RULES.items():
        RequirementRule.objects.get_or_create(
            region=None,
            role=role,
            effective_from=RULES_START,
            defaults={
                "total_hours": total,
                "theory_min": theory,
                "practice_min": practice,
                "cycle_years": 5,
                "note": NATIONAL_RULES_NOTE,
            },
        )
    qingyuan = _qingyuan(apps)
    # The most specific rule wins, so Qingyuan's rows repeat the cycle requirement and add the
    # yearly minimum for every role (health_worker/other: yearly rule only, no cycle total).
    for role in ("director", "caregiver", "health_worker", "other"):
        total, theory, practice = NATIONAL_RULES.get(
            role, (Decimal("0"), Decimal("0"), Decimal("0"))
        )
        RequirementRule.objects.get_or_create(
            region=qingyuan,
            role=role,
            effective_from=RULES_START,
            defaults={
                "total_hours": total,
                "theory_min": theory,
                "practice_min": practice,
                "cycle_years": 5,
                "yearly_min_hours": Decimal("8"),
                "note": QINGYUAN_NOTE,
            },
        )


def unseed_requirement_rules(apps) -> None:
    RequirementRule = apps.get_model("certification", "RequirementRule")
    RequirementRule.objects.filter(note=QINGYUAN_NOTE).delete()
    RequirementRule.objects.filter(
        region=None, effective_from=RULES_START, note=NATIONAL_RULES_NOTE
    ).delete()


def seed_subsidy_standards(apps) -> None:
    """D-28 national standards, the national D-27 SubsidyPolicy, Qingyuan's urgent uplift."""
    Standard = apps.get_model("certification", "SubsidyStandard")
    Policy = apps.get_model("certification", "SubsidyPolicy")
    Urgent = apps.get_model("certification", "UrgentOccupation")
    qingyuan = _qingyuan(apps)
    for stype, level, amount in STANDARDS:
        Standard.objects.get_or_create(
            region=None,
            subsidy_type=stype,
            level=level,
            effective_from=SUBSIDY_START,
            defaults={"amount": Decimal(amount), "note": SUBSIDY_NOTE},
        )
    Policy.objects.get_or_create(
        region=None, effective_from=SUBSIDY_START, defaults={"note": SUBSIDY_NOTE}
    )
    for occupation in URGENT_OCCUPATIONS:
        Urgent.objects.get_or_create(
            region=qingyuan,
            occupation=occupation,
            effective_from=SUBSIDY_START,
            defaults={"max_level_number": 3, "uplift_percent": Decimal("30"), "note": SUBSIDY_NOTE},
        )


def unseed_subsidy_standards(apps) -> None:
    for name in ("SubsidyStandard", "SubsidyPolicy", "UrgentOccupation"):
        apps.get_model("certification", name).objects.filter(note=SUBSIDY_NOTE).delete()


# --- 0016: the working-day calendar (D-35) from the kept `chinesecalendar` package
CALENDAR_FROM = dt.date(2021, 1, 1)
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def seed_working_calendar(apps) -> None:
    """The days the package marks differently from Monday–Friday: weekday holidays and weekend
    make-up working days (调休), from CALENDAR_FROM to the package's last year."""
    day_model = apps.get_model("certification", "CalendarDay")
    rows = []
    for day, name in chinese_calendar.holidays.items():
        if day >= CALENDAR_FROM and day.weekday() < 5:
            rows.append(
                day_model(day=day, is_working_day=False, name=HOLIDAY_NAMES.get(name, name))
            )
    for day, name in chinese_calendar.workdays.items():
        if day >= CALENDAR_FROM and day.weekday() >= 5:
            label = HOLIDAY_NAMES.get(name, name or "")
            rows.append(day_model(day=day, is_working_day=True, name=f"{label}调休上班"))
    day_model.objects.bulk_create(rows, ignore_conflicts=True)


# --- 0021: the national yearly ban re-check date (D-23) [default: 15 January]
def seed_ban_recheck_date(apps) -> None:
    model = apps.get_model("certification", "BanRecheckDate")
    if not model.objects.filter(region__isnull=True).exists():
        model.objects.create(
            region=None,
            effective_from=LEARNING_POLICY_START,
            month=1,
            day=15,
            note="DOMAIN D-23 default",
        )


def seed_all(apps) -> None:
    """Every seed above, in migration order."""
    seed_learning_policy(apps)
    seed_requirement_rules(apps)
    seed_subsidy_standards(apps)
    seed_working_calendar(apps)
    seed_ban_recheck_date(apps)
