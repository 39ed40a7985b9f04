"""The working-day calendar (D-35): the days that differ from Monday–Friday.

Only exceptions are stored: a public holiday on a weekday (is_working_day False) and a make-up
working day (调休) on a weekend (True). Seeded from the `chinesecalendar` package; the next
year's State Council notice is entered on the administration page."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    class Source(models.TextChoices):
        SEEDED = "seeded", _("随系统预置")
        EDITED = "edited", _("管理员录入")

    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SEEDED)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("工作日历")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"
