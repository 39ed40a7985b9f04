"""Seed national subsidy standards (D-28), the national SubsidyPolicy (D-27) and Qingyuan's
urgent-occupation uplift (certification.seeds.seed_subsidy_standards)."""

from django.db import migrations


def seed(apps, schema_editor):
    from certification.seeds import seed_subsidy_standards

    seed_subsidy_standards(apps)


def unseed(apps, schema_editor):
    from certification.seeds import unseed_subsidy_standards

    unseed_subsidy_standards(apps)


class Migration(migrations.Migration):
    dependencies = [("certification", "0005_seed_requirement_rules")]
    operations = [migrations.RunPython(seed, unseed)]
