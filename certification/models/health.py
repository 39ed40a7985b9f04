from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HealthCheck(models.Model):
    """D-36: a person's yearly health check (年度体检) as recorded by the institution employing
    them: the examining hospital's conclusion and, for a fit result, the health certificate
    (健康证) and its last valid day. The person's latest check decides their health standing
    (rules/health.py), whichever institution recorded it. One check per person and day: a second
    record of the same day corrects the first."""

    class Result(models.TextChoices):
        FIT = "fit", _("合格")
        UNFIT = "unfit", _("不合格")

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="health_checks"
    )
    institution = models.ForeignKey(
        "certification.Organisation",
        on_delete=models.PROTECT,
        related_name="health_checks",
        verbose_name=_("登记机构"),
    )
    check_date = models.DateField(_("体检日期"))
    result = models.CharField(_("体检结论"), max_length=8, choices=Result.choices)
    hospital = models.CharField(_("体检医院"), max_length=128)
    certificate_number = models.CharField(_("健康证号"), max_length=64, blank=True)
    valid_until = models.DateField(_("健康证有效期至"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-check_date", "-pk"]
        verbose_name = _("年度体检记录")
        verbose_name_plural = _("年度体检记录")
        indexes = [
            models.Index(
                fields=["person", "-check_date"], name="health_check_person_date"
            ),  # the latest check per person
            models.Index(
                fields=["valid_until"], name="health_check_valid_until"
            ),  # expiry reminders
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "check_date"], name="health_check_one_a_day"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("check_date")),
                name="health_check_valid_after_check",
            ),
        ]

    def __str__(self):
        return f"{self.person.name} {self.check_date} {self.get_result_display()}"


class HealthTraining(models.Model):
    """D-36: a yearly health-care training (卫生保健培训) a person attended."""

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="health_trainings"
    )
    institution = models.ForeignKey(
        "certification.Organisation",
        on_delete=models.PROTECT,
        related_name="health_trainings",
        verbose_name=_("登记机构"),
    )
    training_date = models.DateField(_("培训日期"))
    hours = models.DecimalField(
        _("培训学时"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    provider = models.CharField(_("培训机构/主题"), max_length=128)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-training_date", "-pk"]
        verbose_name = _("卫生保健培训记录")
        verbose_name_plural = _("卫生保健培训记录")
        indexes = [
            models.Index(fields=["person", "-training_date"], name="health_training_person_date")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="health_training_hours")
        ]

    def __str__(self):
        return f"{self.person.name} {self.training_date} {self.hours}"
