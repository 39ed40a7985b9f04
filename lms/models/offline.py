"""Offline classes at training bases and their attendance (D-10). PII: none stored here beyond
links to certification.Person."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.choices import HourKind


class ClassSession(models.Model):
    """D-10: one scheduled class at a training base; attendees present earn `hours` of `hour_kind`."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已排期")
        FINALISED = "finalised", _("已结课")
        CANCELLED = "cancelled", _("已取消")

    course = models.ForeignKey(
        "cms.CoursePage", on_delete=models.PROTECT, related_name="class_sessions"
    )
    training_base = models.ForeignKey(
        "certification.Organisation", on_delete=models.PROTECT, related_name="class_sessions"
    )
    title = models.CharField(_("班次名称"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal("0"))
    hour_kind = models.CharField(_("学时类别"), max_length=16, choices=HourKind.choices)
    place = models.CharField(_("上课地点"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("容量"))
    instructors = models.CharField(_("授课教师"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("线下班次")
        verbose_name_plural = _("线下班次")
        indexes = [models.Index(fields=["training_base", "starts_at"])]  # the base's class list
        constraints = [
            models.CheckConstraint(
                name="class_session_ends_after_start",
                condition=models.Q(ends_at__gt=models.F("starts_at")),
            ),
        ]

    def __str__(self):
        return self.title


class ClassEnrolment(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="class_enrolments"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="class_enrolment_once")
        ]

    def __str__(self):
        return f"{self.session_id}:{self.person_id}"


class Attendance(models.Model):
    """D-10: a person's presence at a session, by QR sign-in/out or marked by base staff."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="class_attendance"
    )
    present = models.BooleanField(_("出勤"), default=False)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    signed_out_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hour_entry = models.ForeignKey(
        "certification.HourEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once")
        ]

    def __str__(self):
        return f"{self.session_id}:{self.person_id}:{self.present}"
