from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.choices import HourKind

from .audit import AppendOnlyModel, append_only_triggers


class HourSource(models.TextChoices):
    ONLINE = "online", _("线上学习")
    OFFLINE = "offline", _("线下出勤")
    IMPORT = "import", _("导入")
    CORRECTION = "correction", _("更正")


class HourEntry(AppendOnlyModel):
    """D-8: one credited amount of class hours in the append-only ledger.

    Entries are never edited or deleted; a correction is a new entry with a negative amount, a
    reason and `corrects` pointing at the original. `external_ref` makes posting idempotent for
    retried tasks and API clients ("attendance:42", "lesson:7:2026-11-23").
    """

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="hour_entries"
    )
    date = models.DateField(_("学习日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    kind = models.CharField(_("类别"), max_length=16, choices=HourKind.choices)
    source = models.CharField(_("来源"), max_length=16, choices=HourSource.choices)
    course = models.ForeignKey(
        "cms.CoursePage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_entries",
    )
    training_base = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_entries",
    )
    evidence = models.JSONField(_("凭据"), default=dict, blank=True)
    external_ref = models.CharField(max_length=128, null=True, blank=True, unique=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(_("更正原因"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时记录")
        triggers = append_only_triggers()
        indexes = [
            models.Index(fields=["person", "date"]),  # daily cap and cycle totals
        ]
        constraints = [
            models.CheckConstraint(
                name="hour_entry_correction_has_reason",
                condition=models.Q(hours__gte=Decimal("0"))
                | (models.Q(corrects__isnull=False) & ~models.Q(reason="")),
            ),
        ]

    def __str__(self):
        return f"{self.person_id} {self.date} {self.hours} {self.kind}"
