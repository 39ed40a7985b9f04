"""D-40: the transactional outbox that pushes events to the national 托育服务信息管理系统 and any
other configured receiver.

An OutboxEvent is written in the same transaction as the change it reports, so a change that
rolls back leaves no event and a committed one always has its event. Each event gets one
Delivery per matching receiver; the deliveries are what Celery works through (at least once,
in sequence per receiver, with the event's idempotency key so a receiver applies it once).
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    PERSON_REGISTERED = "person.registered", _("人员登记")
    EMPLOYMENT_STARTED = "employment.started", _("入职")
    EMPLOYMENT_ENDED = "employment.ended", _("离职")
    CERTIFICATE_ISSUED = "certificate.issued", _("证书颁发")
    CERTIFICATE_REVOKED = "certificate.revoked", _("证书撤销")
    BAN_REGISTERED = "ban.registered", _("禁入登记")


class Receiver(models.Model):
    """A system the outbox pushes to. The HMAC secret is stored encrypted with the PII keys
    (certification.pii), as a signing key's private half is; pages never show it back."""

    name = models.CharField(_("接收方名称"), max_length=128)
    url = models.URLField(_("接收地址"), max_length=500)
    secret_cipher = models.BinaryField(editable=False)
    event_types = models.JSONField(_("推送的事件"), default=list)
    region = models.ForeignKey(
        "certification.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("数据范围"),
        help_text=_("留空为全国：推送所有地区的事件。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("推送接收方")
        verbose_name_plural = _("推送接收方")

    def __str__(self):
        return self.name

    def event_type_labels(self) -> list[str]:
        return [str(EventType(t).label) for t in self.event_types if t in EventType.values]


class OutboxEvent(models.Model):
    """One change to report. `sequence` is allocated under the audit chain's lock, so it is
    the commit order; the payload carries keyed hashes and masked ID numbers, never a
    plaintext one."""

    sequence = models.BigIntegerField(unique=True, editable=False)
    event_type = models.CharField(_("事件"), max_length=32, choices=EventType.choices)
    aggregate_type = models.CharField(max_length=32)
    aggregate_id = models.CharField(max_length=64)
    region_path = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("推送事件")
        verbose_name_plural = _("推送事件")

    def __str__(self):
        return f"{self.sequence} {self.event_type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待推送")
    DELIVERED = "delivered", _("已送达")
    DEAD = "dead", _("推送失败（待处理）")


class Delivery(models.Model):
    """One event on its way to one receiver. Status changes only through
    certification.services.outbox.delivery_transition."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    receiver = models.ForeignKey(Receiver, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(
        _("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    last_error = models.CharField(_("最近错误"), max_length=255, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        ordering = ["event__sequence"]
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        constraints = [
            models.UniqueConstraint(fields=["event", "receiver"], name="one_delivery_per_receiver")
        ]
        indexes = [models.Index(fields=["receiver", "status", "event"])]

    def __str__(self):
        return f"{self.event} → {self.receiver}"
