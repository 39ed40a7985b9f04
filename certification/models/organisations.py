from django.db import models
from django.utils.translation import gettext_lazy as _

from .supervision import AccreditationStatus


class Organisation(models.Model):
    """D-4: a childcare institution or a training base (same identity fields)."""

    class Kind(models.TextChoices):
        INSTITUTION = "institution", _("托育机构")
        TRAINING_BASE = "training_base", _("培训基地")

    class Nature(models.TextChoices):
        FOR_PROFIT = "for_profit", _("营利性")
        NON_PROFIT = "non_profit", _("非营利性")
        PUBLIC = "public", _("公办")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("已暂停")
        WITHDRAWN = "withdrawn", _("已撤销")

    class FilingStatus(models.TextChoices):
        NOT_FILED = "not_filed", _("未备案")
        PENDING = "pending", _("备案审核中")
        FILED = "filed", _("已备案")
        REVOKED = "revoked", _("备案已撤销")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=128)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    region = models.ForeignKey(
        "certification.Region",
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("所在地区"),
    )
    nature = models.CharField(_("性质"), max_length=16, choices=Nature.choices)
    filing_status = models.CharField(
        _("备案状态"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.NOT_FILED
    )
    filing_number = models.CharField(_("备案号"), max_length=64, blank=True)
    is_inclusive = models.BooleanField(_("普惠性"), default=False)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    # A suspended or withdrawn training base cannot issue certificates; its records stay.
    status = models.CharField(
        _("运营状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        indexes = [models.Index(fields=["kind", "region"])]  # scoped lists per kind

    def __str__(self):
        return self.name

    @property
    def is_filed(self) -> bool:
        return self.filing_status == self.FilingStatus.FILED


class Accreditation(models.Model):
    """D-4/D-17: which courses a training base may certify, and when."""

    training_base = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="accreditations",
        limit_choices_to={"kind": Organisation.Kind.TRAINING_BASE},
    )
    courses = models.ManyToManyField(
        "cms.CoursePage", related_name="accreditations", verbose_name=_("可认证课程")
    )
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))
    document_number = models.CharField(_("认定文号"), max_length=64, blank=True)
    # D-39: a suspended or withdrawn accreditation certifies nothing (services.supervision).
    status = models.CharField(
        _("资质状态"),
        max_length=16,
        choices=AccreditationStatus.choices,
        default=AccreditationStatus.ACTIVE,
    )

    class Meta:
        verbose_name = _("培训资质")
        verbose_name_plural = _("培训资质")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="accreditation_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.training_base} {self.valid_from}–{self.valid_to}"
