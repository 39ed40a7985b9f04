from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """D-32: a per-organisation (or per-region, for government systems) key of the data-exchange
    API. Its scope mirrors the staff role it stands for. Only an HMAC of the secret is stored
    (keyed with PII_INDEX_KEY, so a leaked table cannot be brute-forced offline without the key);
    the secret is shown once at creation."""

    class Role(models.TextChoices):
        INSTITUTION = "institution", _("托育机构")
        TRAINING_BASE = "training_base", _("培训基地")
        HR = "hr", _("人社部门")
        REGULATOR = "regulator", _("卫生健康部门")

    name = models.CharField(_("名称"), max_length=128)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    organisation = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    region = models.ForeignKey(
        "certification.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(organisation__isnull=False, region__isnull=True)
                    | models.Q(organisation__isnull=True, region__isnull=False)
                ),
                name="api_key_org_xor_region",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_path(self) -> str:
        return self.region.path if self.region_id else self.organisation.region.path
