from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certification", "0029_outbox")]

    operations: list = []
