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
    REGION_ADMIN = "region_admin", _("地区管理员")
    AUDIT_READER = "audit_reader", _("审计查阅员")


# Which roles are scoped to an organisation, and which to a region subtree.
# Ordered: the check constraints below are built from these, and migrations compare them in order.
_ORGANISATION_ROLE_ORDER = (StaffRole.INSTITUTION_ADMIN, StaffRole.BASE_STAFF)
_REGION_ROLE_ORDER = (
    StaffRole.HR_REVIEWER,
    StaffRole.HR_PAYMENT,
    StaffRole.REGULATOR,
    StaffRole.REGION_ADMIN,
    StaffRole.AUDIT_READER,
)
ORGANISATION_ROLES = set(_ORGANISATION_ROLE_ORDER)
REGION_ROLES = set(_REGION_ROLE_ORDER)
# Separation of duties (等保 level 3): a grant of these roles takes effect only once a second
# administrator, not the one who asked, approves it.
SECOND_APPROVAL_ROLES = REGION_ROLES


def _scope_matches_role() -> models.Q:
    """One rule for memberships and grants: an organisation role names an organisation, a
    region role a region subtree."""
    return models.Q(
        role__in=list(_ORGANISATION_ROLE_ORDER), organisation__isnull=False, region__isnull=True
    ) | models.Q(role__in=list(_REGION_ROLE_ORDER), organisation__isnull=True, region__isnull=False)


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
                    _scope_matches_role()
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


class RoleGrant(models.Model):
    """A role and scope given to a person by e-mail or mainland mobile number (an invitation),
    and its approval.

    States: pending_approval (a second administrator must approve, SECOND_APPROVAL_ROLES) →
    invited (the link is sent) → accepted (a StaffMembership exists); rejected and revoked end
    it. Only services/grants.py moves a grant between states."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("待复核")
        INVITED = "invited", _("已邀请")
        ACCEPTED = "accepted", _("已生效")
        REJECTED = "rejected", _("复核未通过")
        REVOKED = "revoked", _("已撤销")

    email = models.EmailField(_("邮箱"), blank=True)
    # "+86" and 11 digits; the invitation goes by SMS when there is no e-mail address.
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    display_name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("角色"), max_length=24, choices=StaffRole.choices)
    organisation = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_grants",
        verbose_name=_("机构"),
    )
    region = models.ForeignKey(
        "certification.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_grants",
        verbose_name=_("地区"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_requested"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants_approved",
    )
    membership = models.OneToOneField(
        StaffMembership, null=True, blank=True, on_delete=models.SET_NULL, related_name="grant"
    )
    # The invitation link carries a random token; only its SHA-256 is kept.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                name="grant_scope_matches_role",
                condition=(_scope_matches_role()),
            ),
            models.CheckConstraint(
                name="grant_names_an_address",
                condition=~models.Q(email="") | ~models.Q(phone=""),
            ),
        ]

    def __str__(self):
        return f"{self.address} · {self.get_role_display()} · {self.organisation or self.region}"

    @property
    def address(self) -> str:
        """Where the invitation goes: the e-mail address, else the mobile number (masked)."""
        return self.email or self.phone_masked

    @property
    def phone_masked(self) -> str:
        digits = self.phone[-11:]
        return f"{digits[:3]}****{digits[-4:]}" if digits else ""

    @property
    def scope_label(self) -> str:
        return str(self.organisation or self.region)
