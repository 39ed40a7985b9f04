# Issue 20 (D-3x): operations filled in by the area's work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certification", "0024_signed_credentials")]

    operations = []
