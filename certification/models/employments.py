from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.choices import WorkerRole


class Employment(models.Model):
    """D-5: a person working at an institution in a role over a period."""

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="employments"
    )
    institution = models.ForeignKey(
        "certification.Organisation", on_delete=models.PROTECT, related_name="employments"
    )
    role = models.CharField(_("岗位"), max_length=16, choices=WorkerRole.choices)
    start_date = models.DateField(_("入职日期"))
    end_date = models.DateField(_("离职日期"), null=True, blank=True)
    has_labour_contract = models.BooleanField(_("已签订劳动合同"), default=True)
    ui_contribution_months = models.PositiveIntegerField(_("失业保险缴费月数"), default=0)
    # D-25: set when a ban hits an active employment; the institution must act on it.
    flagged_for_termination_at = models.DateTimeField(_("标记应解除时间"), null=True, blank=True)
    flag_reason = models.CharField(_("标记原因"), max_length=255, blank=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("任职记录")
        verbose_name_plural = _("任职记录")
        indexes = [
            models.Index(fields=["institution", "end_date"]),  # institution rosters
            models.Index(fields=["person", "role", "start_date"]),  # cycle anchors (D-12)
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="employment_valid_range",
            ),
            # One active employment per person, institution and role: a repeated hire (a
            # double submit, an API retry) finds the existing row instead of a second one.
            models.UniqueConstraint(
                fields=["person", "institution", "role"],
                condition=models.Q(end_date__isnull=True),
                name="employment_one_active_per_role",
            ),
        ]

    def __str__(self):
        return f"{self.person.name} @ {self.institution} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.end_date is None
