from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.choices import WorkerRole


class EffectiveDated(models.Model):
    """Rule data with a region scope and a validity window. region NULL is the national row;
    the most specific region in force on the date wins (DOMAIN.md preamble)."""

    region = models.ForeignKey(
        "certification.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("适用地区（空为全国）"),
    )
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("依据/说明"), max_length=255, blank=True)

    class Meta:
        abstract = True


class RequirementRule(EffectiveDated):
    """D-6, D-15: class hours a role needs per cycle (and optionally per calendar year)."""

    role = models.CharField(_("岗位"), max_length=16, choices=WorkerRole.choices)
    total_hours = models.DecimalField(_("周期总学时"), max_digits=5, decimal_places=1)
    theory_min = models.DecimalField(
        _("理论学时下限"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    practice_min = models.DecimalField(
        _("实操学时下限"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    cycle_years = models.PositiveSmallIntegerField(_("周期年数"), default=5)
    yearly_min_hours = models.DecimalField(
        _("每年在岗培训学时（空为不要求）"), max_digits=5, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("学时要求规则")
        verbose_name_plural = _("学时要求规则")
        indexes = [models.Index(fields=["role", "effective_from"])]

    def __str__(self):
        return f"{self.region or _('全国')} {self.get_role_display()} ≥{self.total_hours}"


class LearningPolicy(EffectiveDated):
    """D-7, D-12, D-14: how hours are counted and cycles anchored in a region."""

    class CycleAlignment(models.TextChoices):
        ANCHOR = "anchor", _("按首次任职日期")
        CALENDAR = "calendar", _("按自然年对齐")

    minutes_per_class_hour = models.PositiveSmallIntegerField(_("每学时分钟数"), default=45)
    daily_cap_hours = models.DecimalField(
        _("每日学时上限"), max_digits=4, decimal_places=1, default=Decimal("7")
    )
    programme_start = models.DateField(_("继续教育起始日期"))
    cycle_alignment = models.CharField(
        _("周期对齐方式"),
        max_length=16,
        choices=CycleAlignment.choices,
        default=CycleAlignment.ANCHOR,
    )
    reminder_days = models.JSONField(_("到期提醒天数"), default=list)
    # How far back a training base may record attendance hours (its API pushes and closing
    # a class): late records beyond this need a correction by a regulator instead.
    backdate_days = models.PositiveSmallIntegerField(_("学时补录期限（天）"), default=30)

    class Meta:
        verbose_name = _("学时计算政策")
        verbose_name_plural = _("学时计算政策")

    def __str__(self):
        return f"{self.region or _('全国')} {self.effective_from}"


class BanRecheckDate(EffectiveDated):
    """D-23: the day of the year on which every active employment in the region is checked
    against the ban register again (年度复查). The most specific row in force decides."""

    month = models.PositiveSmallIntegerField(
        _("复查月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("复查日"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )

    class Meta:
        verbose_name = _("禁入年度复查日期")
        verbose_name_plural = _("禁入年度复查日期")

    def __str__(self):
        return f"{self.region or _('全国')} {self.month}-{self.day}"
