# Seeds D-6 national requirement rules and Qingyuan's D-15 yearly in-service rule
# (certification.seeds.seed_requirement_rules).

from django.db import migrations


def seed(apps, schema_editor):
    from certification.seeds import seed_requirement_rules

    seed_requirement_rules(apps)


def unseed(apps, schema_editor):
    from certification.seeds import unseed_requirement_rules

    unseed_requirement_rules(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("certification", "0004_learning_seed_learning_policy"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
