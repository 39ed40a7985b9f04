from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import AppendOnlyModel, append_only_triggers


class CreditRecord(AppendOnlyModel):
    """D-38: one entry of the credit file (诚信档案) — a finding or a commendation against an
    organisation (institution or training base) or a person.

    Append-only (model layer and PostgreSQL triggers): a correction is a new record whose
    `annuls` names the record it cancels; both stay.

    A person is identified by the keyed hash of the ID number (`person_index`, as
    Person.id_index and BanEntry.id_index), so a ban on someone not yet registered still has its
    record; `person` is filled when the Person row exists. PII: person_name, person_id_masked.
    """

    class SubjectKind(models.TextChoices):
        ORGANISATION = "organisation", _("机构")
        PERSON = "person", _("个人")

    class Kind(models.TextChoices):
        BAN = "ban", _("禁入")
        CERTIFICATE_FRAUD = "certificate_fraud", _("证书造假撤销")
        SUBSIDY_FRAUD = "subsidy_fraud", _("骗取补贴")
        FALSE_TRAINING = "false_training", _("虚假培训")
        OTHER_VIOLATION = "other_violation", _("其他违规")
        COMMENDATION = "commendation", _("表彰")

    subject_kind = models.CharField(_("对象类型"), max_length=16, choices=SubjectKind.choices)
    organisation = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
        verbose_name=_("机构"),
    )
    person = models.ForeignKey(
        "certification.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    person_index = models.CharField(max_length=64, blank=True, db_index=True)
    person_name = models.CharField(_("姓名"), max_length=64, blank=True)
    person_id_masked = models.CharField(_("证件号码"), max_length=40, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    decision_number = models.CharField(_("决定文号"), max_length=64)
    authority = models.CharField(_("决定机关"), max_length=128)
    decision_date = models.DateField(_("决定日期"))
    summary = models.TextField(_("事由摘要"), blank=True)
    ban = models.ForeignKey(
        "certification.BanEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.ForeignKey(
        "certification.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subsidy_application = models.ForeignKey(
        "certification.SubsidyApplication",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A correction: this record annuls that one (at most one correction per record).
    annuls = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annulled_by",
        verbose_name=_("撤销更正的记录"),
    )
    region = models.ForeignKey(
        "certification.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记地区"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decision_date", "-id"]
        verbose_name = _("诚信档案记录")
        verbose_name_plural = _("诚信档案记录")
        triggers = append_only_triggers()
        indexes = [models.Index(fields=["region", "decision_date"])]
        constraints = [
            # Exactly one subject: an organisation, or a person named by the ID's keyed hash.
            models.CheckConstraint(
                name="credit_record_one_subject",
                condition=(
                    Q(
                        subject_kind="organisation",
                        organisation__isnull=False,
                        person__isnull=True,
                        person_index="",
                    )
                    | (Q(subject_kind="person", organisation__isnull=True) & ~Q(person_index=""))
                ),
            ),
            models.CheckConstraint(
                name="credit_record_documented",
                condition=~Q(decision_number="") & ~Q(authority=""),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decision_number}"

    @property
    def is_commendation(self) -> bool:
        return self.kind == self.Kind.COMMENDATION

    @property
    def subject_label(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        return f"{self.person_name}（{self.person_id_masked}）"
