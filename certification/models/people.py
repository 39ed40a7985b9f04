from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification import pii
from certification.idnumbers import IdType, mask_id_number


class Person(models.Model):
    """A worker (or candidate) in the registry, identified by ID type + number (D-2).

    PII: id_cipher (encrypted ID number), id_index (keyed hash), id_masked, name, birth_date,
    gender, phone. The plaintext ID number is never stored.
    """

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    id_type = models.CharField(
        _("证件类型"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT
    )
    id_cipher = models.BinaryField(_("证件号码（密文）"), editable=False)
    id_index = models.CharField(max_length=64, editable=False)
    id_masked = models.CharField(_("证件号码"), max_length=40, editable=False)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    region = models.ForeignKey(
        "certification.Region",
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("户籍/常住地区"),
        null=True,
        blank=True,
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_index"], name="person_unique_id"),
        ]
        indexes = [
            # ban near-match review (same name + birth date)
            models.Index(fields=["name", "birth_date"]),
        ]

    def __str__(self):
        return f"{self.name}（{self.id_masked}）"

    def set_id_number(self, id_type: str, number: str) -> None:
        """Store an already validated, normalised number (see idnumbers.parse_id_number)."""
        self.id_type = id_type
        self.id_cipher = pii.encrypt(number)
        self.id_index = pii.blind_index(number)
        self.id_masked = mask_id_number(number)

    def reveal_id_number(self) -> str:
        """Plaintext ID. Callers outside the owner's own page must go through
        certification.services.people.person_reveal_id, which audits the reveal."""
        return pii.decrypt(self.id_cipher)


class IdProcessingConsent(models.Model):
    """D-3 / PIPL art. 29: separate consent to process the ID number, recorded per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="id_consents"
    )
    version = models.CharField(max_length=16)
    granted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("身份证号处理同意记录")
        verbose_name_plural = _("身份证号处理同意记录")
