"""D-39: supervision of training bases. A regulator's decision on an accreditation (suspend,
reinstate, withdraw) is kept as an append-only record; the accreditation's own `status` is the
current state and changes only through services.supervision.accreditation_decide."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import AppendOnlyModel, append_only_triggers


class AccreditationStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("已暂停")
    WITHDRAWN = "withdrawn", _("已撤销")


class AccreditationDecision(AppendOnlyModel):
    """One regulator's decision on an accreditation, with its document number and date."""

    class Action(models.TextChoices):
        SUSPEND = "suspend", _("暂停")
        REINSTATE = "reinstate", _("恢复")
        WITHDRAW = "withdraw", _("撤销")

    accreditation = models.ForeignKey(
        "certification.Accreditation", on_delete=models.PROTECT, related_name="decisions"
    )
    action = models.CharField(_("决定"), max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=16, choices=AccreditationStatus.choices)
    to_status = models.CharField(max_length=16, choices=AccreditationStatus.choices)
    decision_number = models.CharField(_("决定文号"), max_length=64)
    reason = models.CharField(_("理由"), max_length=500)
    decided_on = models.DateField(_("决定日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("培训资质监管决定")
        verbose_name_plural = _("培训资质监管决定")
        triggers = append_only_triggers()

    def __str__(self):
        return f"{self.decision_number} {self.action}"
