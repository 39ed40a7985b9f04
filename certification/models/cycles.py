from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.choices import WorkerRole


class CycleStatus(models.TextChoices):
    """D-13."""

    MET = "met", _("已达标")
    ON_TRACK = "on_track", _("进度正常")
    BEHIND = "behind", _("进度落后")
    LAPSED = "lapsed", _("周期未达标")


class CycleSummary(models.Model):
    """D-12/D-13: hours earned by one person in one role in one cycle.

    Kept current as ledger entries arrive (certification.services.compliance), so dashboards
    never aggregate the raw ledger at request time. `recompute_compliance` rebuilds it.
    """

    person = models.ForeignKey(
        "certification.Person", on_delete=models.CASCADE, related_name="cycle_summaries"
    )
    role = models.CharField(_("岗位"), max_length=16, choices=WorkerRole.choices)
    cycle_number = models.PositiveSmallIntegerField(_("周期序号"))
    start_date = models.DateField(_("周期开始"))
    end_date = models.DateField(_("周期结束"))
    required_total = models.DecimalField(max_digits=5, decimal_places=1)
    required_theory = models.DecimalField(max_digits=5, decimal_places=1)
    required_practice = models.DecimalField(max_digits=5, decimal_places=1)
    theory_hours = models.DecimalField(
        _("理论学时"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    practice_hours = models.DecimalField(
        _("实操学时"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CycleStatus.choices, default=CycleStatus.BEHIND
    )
    met_on = models.DateField(_("达标日期"), null=True, blank=True)
    # Denormalised from the current employment, for region/institution dashboards (D-31).
    institution = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region_path = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("周期学时汇总")
        verbose_name_plural = _("周期学时汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "cycle_number"], name="cycle_summary_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["region_path", "role", "status"]),  # regulator dashboard
            models.Index(fields=["institution", "role"]),  # institution roster
            models.Index(fields=["end_date", "status"]),  # reminders
        ]

    def __str__(self):
        return f"{self.person_id} {self.role} #{self.cycle_number}"

    @property
    def total_hours(self) -> Decimal:
        return self.theory_hours + self.practice_hours
