# The compliance dashboards count summaries in a region subtree with
# `region_path LIKE '440000/%'` (compliance_status_counts). Under a non-"C" collation a plain
# btree index cannot serve a LIKE prefix, so this adds a pattern-ops index (as Django does for
# CharField(db_index=True)). PostgreSQL only; other databases skip it.

from django.db import migrations

INDEX = "cert_cycsum_regpath_like"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON certification_cyclesummary "
            "(region_path varchar_pattern_ops, role, status)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0007_api_keys"),
    ]

    operations = [migrations.RunPython(create, drop)]
