from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.choices import WorkerRole

from .requirements import EffectiveDated

# D-37 applies to these roles only.
WORK_CERTIFICATE_ROLES = (WorkerRole.CAREGIVER, WorkerRole.DIRECTOR)


class WorkCertificateRule(EffectiveDated):
    """D-37 持证上岗: whether a role in a region must hold a valid certificate within a grace
    period after hiring. No row in force means not required (default off); a region's own row
    wins over its ancestors', so a city can switch off (required=False) a province's rule."""

    role = models.CharField(
        _("岗位"),
        max_length=16,
        choices=[(r.value, r.label) for r in WORK_CERTIFICATE_ROLES],
    )
    required = models.BooleanField(_("要求持证上岗"), default=True)
    grace_months = models.PositiveSmallIntegerField(
        _("入职后取得证书期限（月）"),
        default=6,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    accepts_training = models.BooleanField(_("认可本岗位培训合格证书"), default=True)
    accepts_skill_level = models.BooleanField(_("认可职业技能等级证书"), default=True)

    class Meta:
        verbose_name = _("持证上岗要求")
        verbose_name_plural = _("持证上岗要求")
        indexes = [models.Index(fields=["role", "effective_from"])]

    def __str__(self):
        return f"{self.region or _('全国')} {self.get_role_display()} {self.grace_months}"
