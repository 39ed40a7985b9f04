from django.db import models

TABLE = "bench_floor_row"


class FloorRow(models.Model):
    """A row as wide as a person's summary: the table is created by bench.http.floor_table."""

    counter = models.IntegerField(default=0)
    name = models.CharField(max_length=64)
    payload = models.TextField(default="")

    class Meta:
        app_label = "floor"
        db_table = TABLE
        managed = False
