from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AssessmentKind(models.TextChoices):
    THEORY = "theory", _("理论考试")
    PRACTICAL = "practical", _("实操考核")


class AssessmentResult(models.Model):
    """D-16/D-17: one assessment outcome (theory test or practical) of a person on a course.

    Reported by lms (quizzes, base staff's practical results) or an external system through
    `certification.services.assessments.assessment_record`; the certificate rule reads it.
    PII: none beyond the link to Person.
    """

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="assessment_results"
    )
    course = models.ForeignKey(
        "cms.CoursePage", on_delete=models.PROTECT, related_name="assessment_results"
    )
    training_base = models.ForeignKey(
        "certification.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_results",
    )
    kind = models.CharField(_("类别"), max_length=16, choices=AssessmentKind.choices)
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("是否合格"))
    assessed_on = models.DateField(_("考核日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        indexes = [
            models.Index(fields=["person", "course", "kind"]),  # certificate eligibility (D-17)
        ]

    def __str__(self):
        return f"{self.person_id} {self.course_id} {self.kind} {'pass' if self.passed else 'fail'}"
