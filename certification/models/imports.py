from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .certificates import private_storage


class ImportJob(models.Model):
    """A large Excel import run in Celery (D-19 skill-level certificates, D-22 ban register, class rosters);
    its counters drive the same progress bar as CertificateBatch. All or nothing: every row is
    checked first, then all rows are written in one transaction. PII: the uploaded file (ID
    numbers) is kept in private storage only until the task has processed it. Visible to the
    user who started it only."""

    class Kind(models.TextChoices):
        SKILL_CERTIFICATES = "skill_certificates", _("职业技能等级证书")
        BANS = "bans", _("禁入登记")
        ROSTER = "roster", _("班次名单")
        STAFF_ROSTER = "staff_roster", _("机构花名册")
        HEALTH_CHECKS = "health_checks", _("年度体检记录")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.SKILL_CERTIFICATES)
    upload = models.FileField(upload_to="imports/%Y/", blank=True, storage=private_storage)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Ban imports: the region the entries are registered in and the requester's IP (audit).
    region = models.ForeignKey(
        "certification.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    # What else the kind needs, e.g. {"session": 12} for a class roster.
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    saved = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "证件号码", "reason": "…"}]; row 0 = the whole file, column optional
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
