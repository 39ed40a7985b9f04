# Seeds D-6 national requirement rules and Qingyuan's D-15 yearly in-service rule.

import datetime
from decimal import Decimal

from django.db import migrations

START = datetime.date(2021, 1, 1)
# D-6 [seed 002 item 13 + default split]. health_worker / other: no national requirement is
# seeded (D-6 names only directors and caregivers); regulators may add rows for them.
NATIONAL = {
    "director": (Decimal("60"), Decimal("40"), Decimal("20")),
    "caregiver": (Decimal("120"), Decimal("40"), Decimal("80")),
}
QINGYUAN_NOTE = "D-15 清远市：每年在岗培训 [seed 004]"


def seed(apps, schema_editor):
    Region = apps.get_model("certification", "Region")
    RequirementRule = apps.get_model("certification", "RequirementRule")
    for role, (total, theory, practice) in NATIONAL.items():
        RequirementRule.objects.get_or_create(
            region=None, role=role, effective_from=START,
            defaults={"total_hours": total, "theory_min": theory, "practice_min": practice,
                          "cycle_years": 5, "note": "D-6 全国默认"})
    guangdong = Region.objects.filter(code="440000").first()
    if guangdong is None:
        guangdong = Region.objects.create(code="440000", name="广东省", level="province",
                                          parent=None, path="440000/")
    qingyuan = Region.objects.filter(code="441800").first()
    if qingyuan is None:
        qingyuan = Region.objects.create(code="441800", name="清远市", level="prefecture",
                                         parent=guangdong, path=guangdong.path + "441800/")
    # The most specific rule wins, so Qingyuan's rows repeat the cycle requirement and add the
    # yearly minimum for every role (health_worker/other: yearly rule only, no cycle total).
    for role in ("director", "caregiver", "health_worker", "other"):
        total, theory, practice = NATIONAL.get(role, (Decimal("0"), Decimal("0"), Decimal("0")))
        RequirementRule.objects.get_or_create(
            region=qingyuan, role=role, effective_from=START,
            defaults={"total_hours": total, "theory_min": theory, "practice_min": practice,
                          "cycle_years": 5, "yearly_min_hours": Decimal("8"), "note": QINGYUAN_NOTE})


def unseed(apps, schema_editor):
    RequirementRule = apps.get_model("certification", "RequirementRule")
    RequirementRule.objects.filter(note=QINGYUAN_NOTE).delete()
    RequirementRule.objects.filter(region=None, effective_from=START, note="D-6 全国默认").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("certification", "0004_learning_seed_learning_policy"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
