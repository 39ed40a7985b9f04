import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification.idnumbers import IdType

from .audit import AppendOnlyModel, append_only_triggers

NEVER_DELETED = "禁入登记不得删除；如需撤销，请依法律文书办理撤销（留有记录）。"


class BanEntryQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError(NEVER_DELETED)


class BanEntry(models.Model):
    """D-22: an entry in the lifetime-ban register (终身禁入).

    Never deleted: an annulment is a recorded decision (status, decision number, reason). The
    model refuses delete() and, on PostgreSQL, a trigger refuses DELETE.

    PII: id_cipher/id_index/id_masked, name, birth_date, reason details. Visible only to
    regulators; everyone else learns only "blocked".
    """

    class BanType(models.TextChoices):
        LIFETIME = "lifetime", _("终身禁入")
        TERM = "term", _("期限禁业（法院判决）")

    class Reason(models.TextChoices):
        ABUSE = "abuse", _("虐待")
        SEXUAL_ASSAULT = "sexual_assault", _("性侵害")
        TRAFFICKING = "trafficking", _("拐卖")
        VIOLENCE = "violence", _("暴力伤害")
        ABANDONMENT = "abandonment", _("遗弃")
        OTHER = "other", _("其他")

    class Involvement(models.TextChoices):
        OFFENDER = "offender", _("直接责任人")
        MANAGER = "manager", _("负有责任的管理人员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        ANNULLED = "annulled", _("已撤销（依法律文书）")

    id_type = models.CharField(
        _("证件类型"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT
    )
    id_cipher = models.BinaryField(editable=False)
    id_index = models.CharField(max_length=64, db_index=True, editable=False)
    id_masked = models.CharField(_("证件号码"), max_length=40, editable=False)
    name = models.CharField(_("姓名"), max_length=64)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ban_type = models.CharField(
        _("禁入类型"), max_length=16, choices=BanType.choices, default=BanType.LIFETIME
    )
    term_start = models.DateField(_("禁业起始"), null=True, blank=True)
    term_end = models.DateField(_("禁业截止"), null=True, blank=True)
    reason_category = models.CharField(_("事由类别"), max_length=20, choices=Reason.choices)
    reason_detail = models.TextField(_("事由说明"), blank=True)
    decision_number = models.CharField(_("决定文书号"), max_length=64)
    authority = models.CharField(_("决定机关"), max_length=128)
    effective_date = models.DateField(_("生效日期"))
    institution = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    institution_name = models.CharField(_("相关机构"), max_length=128, blank=True)
    involvement = models.CharField(
        _("涉事身份"), max_length=16, choices=Involvement.choices, default=Involvement.OFFENDER
    )
    region = models.ForeignKey(
        "certification.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记地区"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    annulment_decision_number = models.CharField(_("撤销依据文书号"), max_length=64, blank=True)
    annulment_reason = models.TextField(_("撤销原因"), blank=True)
    annulled_at = models.DateTimeField(null=True, blank=True)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = BanEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-id"]
        verbose_name = _("禁入登记")
        verbose_name_plural = _("禁入登记")
        indexes = [
            models.Index(fields=["id_index", "status"]),  # every gate's check
            models.Index(fields=["name", "birth_date"]),  # near-match review
        ]
        constraints = [
            models.CheckConstraint(
                name="ban_term_has_dates",
                condition=models.Q(ban_type="lifetime")
                | models.Q(term_start__isnull=False, term_end__isnull=False),
            ),
            models.CheckConstraint(
                name="ban_annulment_is_documented",
                condition=models.Q(status="active")
                | (~models.Q(annulment_decision_number="") & ~models.Q(annulment_reason="")),
            ),
        ]
        triggers = [pgtrigger.Protect(name="ban_entry_no_delete", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.name}（{self.id_masked}）{self.get_ban_type_display()}"

    def delete(self, *args, **kwargs):
        raise PermissionError(NEVER_DELETED)


class CheckPurpose(models.TextChoices):
    """D-23: the gates at which a ban check runs."""

    CLAIM = "claim", _("认领人员档案")
    ENROLMENT = "enrolment", _("报名")
    HIRING = "hiring", _("入职查询")
    CERTIFICATE = "certificate", _("发证")
    SUBSIDY = "subsidy", _("补贴审批")
    YEARLY_RECHECK = "yearly_recheck", _("年度复查")
    API = "api", _("接口查询")


class BanCheck(AppendOnlyModel):
    """D-24: the audit row of one ban check, hit or miss. Append-only (trigger on PostgreSQL)."""

    class Result(models.TextChoices):
        CLEAR = "clear", _("未命中")
        HIT = "hit", _("命中")
        NEAR_MATCH = "near_match", _("疑似（姓名与出生日期相同，待人工核查）")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=24, blank=True)
    purpose = models.CharField(max_length=20, choices=CheckPurpose.choices)
    id_index = models.CharField(max_length=64)
    result = models.CharField(max_length=16, choices=Result.choices)
    ban = models.ForeignKey(
        BanEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="checks"
    )
    region_path = models.CharField(max_length=32, blank=True, db_index=True)
    organisation = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # For the printable record of a typed-in check (入职查询): the name as typed and the masked
    # number, never the number itself.
    subject_name = models.CharField(max_length=64, blank=True)
    subject_id_masked = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("禁入核查记录")
        verbose_name_plural = _("禁入核查记录")
        triggers = append_only_triggers()
