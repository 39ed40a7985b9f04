"""Seed national subsidy standards (D-28), the national SubsidyPolicy (D-27) and Qingyuan's
urgent-occupation uplift. Training and evaluation defaults are this project's assumptions."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

START = dt.date(2026, 1, 1)
NOTE = "seed_subsidy_standards"
STANDARDS = [
    ("skill_upgrade", 5, "1000"), ("skill_upgrade", 4, "1500"), ("skill_upgrade", 3, "2000"),
    ("skill_upgrade", 2, "2500"), ("skill_upgrade", 1, "3000"),
    ("evaluation", 5, "200"), ("evaluation", 4, "300"), ("evaluation", 3, "400"),
    ("evaluation", 2, "500"), ("evaluation", 1, "600"),
    ("training", None, "800"),
]


def seed(apps, schema_editor):
    Region = apps.get_model("certification", "Region")
    Standard = apps.get_model("certification", "SubsidyStandard")
    Policy = apps.get_model("certification", "SubsidyPolicy")
    Urgent = apps.get_model("certification", "UrgentOccupation")
    gd = Region.objects.filter(code="440000").first() or Region.objects.create(
        code="440000", name="广东省", level="province", path="440000/")
    qy = Region.objects.filter(code="441800").first() or Region.objects.create(
        code="441800", name="清远市", level="prefecture", parent=gd, path="440000/441800/")
    for stype, level, amount in STANDARDS:
        Standard.objects.get_or_create(region=None, subsidy_type=stype, level=level,
                                       effective_from=START,
                                       defaults={"amount": Decimal(amount), "note": NOTE})
    Policy.objects.get_or_create(region=None, effective_from=START, defaults={"note": NOTE})
    for occupation in ("4-10-01-03", "4-10-01-02"):  # 保育师, 育婴员
        Urgent.objects.get_or_create(region=qy, occupation=occupation, effective_from=START,
                                     defaults={"max_level_number": 3,
                                               "uplift_percent": Decimal("30"), "note": NOTE})


def unseed(apps, schema_editor):
    for name in ("SubsidyStandard", "SubsidyPolicy", "UrgentOccupation"):
        apps.get_model("certification", name).objects.filter(note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("certification", "0005_seed_requirement_rules")]
    operations = [migrations.RunPython(seed, unseed)]
