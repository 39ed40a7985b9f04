from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app notice (reminders, ban alerts, subsidy state changes) to a user, to an
    organisation's staff, or to a region's regulators. dedupe_key makes sending idempotent:
    a re-run of a reminder job cannot send the same notice twice (D-14)."""

    class Kind(models.TextChoices):
        CYCLE_REMINDER = "cycle_reminder", _("学时提醒")
        BAN_ALERT = "ban_alert", _("禁入预警")
        CERTIFICATE = "certificate", _("证书")
        SUBSIDY = "subsidy", _("补贴")
        HEALTH_REMINDER = "health_reminder", _("健康证到期提醒")
        SYSTEM = "system", _("系统")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient_organisation = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient_region = models.ForeignKey(
        "certification.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=255, blank=True)
    dedupe_key = models.CharField(max_length=128, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self):
        return self.title
