import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """Reads settings.PRIVATE_STORAGE_ROOT on every use, so test overrides apply."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self):

        return os.path.abspath(self.base_location)


def private_storage() -> FileSystemStorage:
    """Certificate PDFs live outside MEDIA_ROOT (served only through an access-checked view)."""
    return PrivateStorage()


class Occupation(models.TextChoices):
    """D-19: occupations with skill-level certificates (national occupation codes)."""

    CHILDCARE_WORKER = "4-10-01-03", _("保育师")
    INFANT_CARER = "4-10-01-02", _("育婴员")


class SkillLevel(models.IntegerChoices):
    """D-19: level 5 (初级工) … level 1 (高级技师); a lower number is a higher level."""

    LEVEL_1 = 1, _("一级/高级技师")
    LEVEL_2 = 2, _("二级/技师")
    LEVEL_3 = 3, _("三级/高级工")
    LEVEL_4 = 4, _("四级/中级工")
    LEVEL_5 = 5, _("五级/初级工")


class Certificate(models.Model):
    """D-17…D-21: a training certificate, a cycle-completion statement or a recorded
    skill-level certificate. Revocation is a status, never a delete.

    PII: reached through `person`; the PDF carries only the masked ID.
    """

    class Kind(models.TextChoices):
        TRAINING = "training", _("培训合格证书")
        CYCLE_STATEMENT = "cycle_statement", _("继续教育学时证明")
        SKILL_LEVEL = "skill_level", _("职业技能等级证书")

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    kind = models.CharField(_("证书类型"), max_length=20, choices=Kind.choices)
    serial = models.CharField(_("证书编号"), max_length=40, unique=True)
    # Unguessable (secrets.token_urlsafe): the public /verify/<code>/ page is keyed by it.
    verification_code = models.CharField(max_length=43, unique=True, editable=False)
    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(
        "cms.CoursePage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issuer = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_certificates",
    )
    issuer_name = models.CharField(_("发证机构"), max_length=128)
    # The holder's region when the certificate was issued (issue 18): the regulator dashboards
    # count certificates per region and month from this row alone, without joining people; it
    # stays where it was issued when the holder later moves. Null only for a holder without one.
    region = models.ForeignKey(
        "certification.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发证时所在地区"),
        editable=False,
    )
    occupation = models.CharField(_("职业"), max_length=16, choices=Occupation.choices, blank=True)
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=SkillLevel.choices, null=True, blank=True
    )
    external_number = models.CharField(_("原证书编号"), max_length=64, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, null=True, blank=True)
    cycle_summary = models.OneToOneField(
        "certification.CycleSummary",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement",
    )
    issue_date = models.DateField(_("发证日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.VALID
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revocation_reason = models.CharField(_("撤销原因"), max_length=255, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.FileField(upload_to="certificates/%Y/", blank=True, storage=private_storage)
    # Its entry in the issuing province's revocation status list (models.credentials), given
    # when its signed credential is first made.
    status_list_index = models.PositiveIntegerField(null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        constraints = [
            # No over-certification (seed 002 item 27): one valid training certificate per
            # person and course.
            models.UniqueConstraint(
                fields=["person", "course"],
                condition=models.Q(kind="training", status="valid"),
                name="one_valid_training_certificate_per_course",
            ),
            models.CheckConstraint(
                name="revoked_certificate_has_reason",
                condition=models.Q(status="valid")
                | (models.Q(revoked_at__isnull=False) & ~models.Q(revocation_reason="")),
            ),
        ]
        indexes = [
            models.Index(fields=["issuer", "issue_date"]),  # base dashboard, monthly counts
            models.Index(fields=["region", "issue_date"]),  # regulator dashboard, monthly counts
            models.Index(  # ... and its revocations per month (few rows: a partial index)
                fields=["region", "revoked_at"],
                condition=models.Q(revoked_at__isnull=False),
                name="certificate_region_revoked",
            ),
            models.Index(fields=["person", "status"]),  # holder's list, subsidy eligibility
        ]

    def __str__(self):
        return f"{self.serial} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        # The issuing services set the region; this covers every other way a row is created.
        if self._state.adding and self.region_id is None and self.person_id is not None:
            self.region_id = self.person.region_id
        super().save(*args, **kwargs)

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID


class SerialCounter(models.Model):
    """Allocates never-reused certificate serials: one row per prefix+year, incremented under
    a row lock (D-20)."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="serial_counter_unique"),
        ]


class CertificateBatch(models.Model):
    """A batch issue run in Celery; its counters drive the progress bar."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    training_base = models.ForeignKey(
        "certification.Organisation", on_delete=models.PROTECT, related_name="certificate_batches"
    )
    course = models.ForeignKey("cms.CoursePage", on_delete=models.PROTECT, related_name="+")
    person_ids = models.JSONField(default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    refusals = models.JSONField(default=list, blank=True)  # [{"person_id":…, "reasons":[…]}]
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 100
