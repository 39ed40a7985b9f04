from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certification", "0030_audit_sealing")]

    operations: list = []
