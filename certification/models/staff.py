from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    INSTITUTION_ADMIN = "institution_admin", _("托育机构管理员")
    BASE_STAFF = "base_staff", _("培训基地工作人员")
    HR_REVIEWER = "hr_reviewer", _("人社审核员")
    HR_PAYMENT = "hr_payment", _("人社支付专员")
    REGULATOR = "regulator", _("卫健监管人员")
    EDITOR = "editor", _("课程内容编辑")
    SYSADMIN = "sysadmin", _("系统管理员")


# Which roles are scoped to an organisation, and which to a region subtree.
ORGANISATION_ROLES = {StaffRole.INSTITUTION_ADMIN, StaffRole.BASE_STAFF}
REGION_ROLES = {StaffRole.HR_REVIEWER, StaffRole.HR_PAYMENT, StaffRole.REGULATOR}


class StaffMembership(models.Model):
    """A user's staff role with its data scope: one organisation, or one region subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    role = models.CharField(_("角色"), max_length=24, choices=StaffRole.choices)
    organisation = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    region = models.ForeignKey(
        "certification.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工作人员角色")
        verbose_name_plural = _("工作人员角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation", "region"], name="staff_membership_unique"
            ),
            models.CheckConstraint(
                name="staff_scope_matches_role",
                condition=(
                    models.Q(
                        role__in=["institution_admin", "base_staff"],
                        organisation__isnull=False,
                        region__isnull=True,
                    )
                    | models.Q(
                        role__in=["hr_reviewer", "hr_payment", "regulator"],
                        organisation__isnull=True,
                        region__isnull=False,
                    )
                    | models.Q(
                        role__in=["editor", "sysadmin"],
                        organisation__isnull=True,
                        region__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self):
        scope = self.organisation or self.region or "—"
        return f"{self.user} · {self.get_role_display()} · {scope}"
