from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .certificates import Occupation, SkillLevel
from .requirements import EffectiveDated


class SubsidyType(models.TextChoices):
    """D-26."""

    TRAINING = "training", _("职业培训补贴")
    EVALUATION = "evaluation", _("职业技能评价补贴")
    SKILL_UPGRADE = "skill_upgrade", _("技能提升补贴")


class SubsidyStandard(EffectiveDated):
    """D-28: the amount for a subsidy type (and skill level, where it matters) in a region."""

    subsidy_type = models.CharField(_("补贴类型"), max_length=16, choices=SubsidyType.choices)
    level = models.PositiveSmallIntegerField(
        _("技能等级（空为不分等级）"), choices=SkillLevel.choices, null=True, blank=True
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("补贴标准")
        verbose_name_plural = _("补贴标准")

    def __str__(self):
        return f"{self.region or _('全国')} {self.get_subsidy_type_display()} {self.amount}"


class UrgentOccupation(EffectiveDated):
    """D-28: an occupation on a region's urgent list gets an uplift at or above a level."""

    occupation = models.CharField(_("职业"), max_length=16, choices=Occupation.choices)
    # SkillLevel numbers run downwards: level 3 "or above" means level <= 3.
    max_level_number = models.PositiveSmallIntegerField(
        _("适用等级（该等级及以上）"), choices=SkillLevel.choices, default=3
    )
    uplift_percent = models.DecimalField(
        _("上浮比例（%）"), max_digits=5, decimal_places=2, default=Decimal("30")
    )

    class Meta:
        verbose_name = _("紧缺职业（工种）")
        verbose_name_plural = _("紧缺职业（工种）")


class SubsidyPolicy(EffectiveDated):
    """D-27: the numeric limits of the eligibility checks for a region."""

    application_window_months = models.PositiveSmallIntegerField(
        _("申请期限（月，自取得证书起）"), default=12
    )
    min_contribution_months = models.PositiveSmallIntegerField(
        _("失业保险最低缴费月数（技能提升补贴）"), default=12
    )
    per_type_per_year = models.PositiveSmallIntegerField(_("每类补贴每年次数上限"), default=1)
    total_per_year = models.PositiveSmallIntegerField(_("每年补贴总次数上限"), default=3)
    require_filed_employer = models.BooleanField(_("须在备案托育机构任职"), default=True)
    age_limits_enabled = models.BooleanField(_("启用年龄限制"), default=False)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), default=16)
    max_age_male = models.PositiveSmallIntegerField(_("男性最高年龄"), default=60)
    max_age_female = models.PositiveSmallIntegerField(_("女性最高年龄"), default=55)
    review_target_working_days = models.PositiveSmallIntegerField(
        _("审核时限（工作日）"), default=5
    )
    notice_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)

    class Meta:
        verbose_name = _("补贴政策参数")
        verbose_name_plural = _("补贴政策参数")


class ApplicationStatus(models.TextChoices):
    """D-29 workflow states."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    WITHDRAWN = "withdrawn", _("已撤回")
    REJECTED = "rejected", _("未通过")
    NOTICE = "notice", _("公示中")
    APPROVED = "approved", _("已批准")
    IN_BATCH = "in_batch", _("待支付")
    PAID = "paid", _("已发放")


class SubsidyApplication(models.Model):
    """D-29: one application. Amount and eligibility are snapshotted at submission.

    PII: through `person`; the public notice shows a masked name only.
    """

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="subsidy_applications"
    )
    certificate = models.ForeignKey(
        "certification.Certificate", on_delete=models.PROTECT, related_name="subsidy_applications"
    )
    subsidy_type = models.CharField(_("补贴类型"), max_length=16, choices=SubsidyType.choices)
    region = models.ForeignKey(
        "certification.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受理地区"),
    )
    institution = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    amount = models.DecimalField(
        _("金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    eligibility = models.JSONField(_("资格审查结果"), default=list, blank=True)
    pledge_confirmed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)
    notice_start = models.DateField(null=True, blank=True)
    notice_end = models.DateField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # A paid application whose person is later banned is never changed: it is flagged for
    # recovery (追回) of the money, audited, and shown to HR and the applicant.
    recovery_flagged_at = models.DateTimeField(_("追回标记时间"), null=True, blank=True)
    recovery_reason = models.CharField(_("追回原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("补贴申请")
        verbose_name_plural = _("补贴申请")
        indexes = [models.Index(fields=["region", "status", "submitted_at"])]  # HR queue
        constraints = [
            # The same certificate is subsidised under one live application per type.
            models.UniqueConstraint(
                fields=["certificate", "subsidy_type"],
                condition=~models.Q(status__in=["withdrawn", "rejected", "draft"]),
                name="one_live_application_per_certificate_type",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_subsidy_type_display()} {self.get_status_display()}"


class ApplicationStatusChange(models.Model):
    """History of an application's states, shown to the applicant."""

    application = models.ForeignKey(
        SubsidyApplication, on_delete=models.CASCADE, related_name="history"
    )
    from_status = models.CharField(max_length=16, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class Objection(models.Model):
    """An objection filed during public notice; blocks approval until resolved (D-29)."""

    application = models.ForeignKey(
        SubsidyApplication, on_delete=models.PROTECT, related_name="objections"
    )
    text = models.TextField(_("异议内容"))
    contact = models.CharField(_("联系方式"), max_length=128, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("处理结果"), blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True)

    class Meta:
        ordering = ["filed_at"]


class PaymentBatch(models.Model):
    """A monthly payment batch made by a payment officer (never the reviewer, D-29)."""

    class Status(models.TextChoices):
        OPEN = "open", _("编制中")
        EXPORTED = "exported", _("已导出")
        PAID = "paid", _("已支付")

    region = models.ForeignKey("certification.Region", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("所属月份"))  # first day of the month
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    exported_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    bank_reference = models.CharField(_("银行流水号"), max_length=64, blank=True)

    class Meta:
        ordering = ["-month", "-id"]


class PaymentLine(models.Model):
    """One application in one batch. The unique application makes double payment impossible
    (D-30), whatever the clicks or retries."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines")
    application = models.OneToOneField(
        SubsidyApplication, on_delete=models.PROTECT, related_name="payment_line"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)
    # A line taken out of an unpaid batch (e.g. the person was banned) stays as a record but is
    # excluded from the batch total, the export and payment.
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=255, blank=True)
