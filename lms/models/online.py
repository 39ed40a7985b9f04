"""Online learning: enrolments, per-lesson progress, the learner's current span, quiz attempts
(D-9, D-16). Holds no PII beyond links to certification.Person."""

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Enrolment(models.Model):
    """A person enrolled on a course (D-16)."""

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="enrolments"
    )
    course = models.ForeignKey(
        "cms.CoursePage", on_delete=models.PROTECT, related_name="enrolments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "cms.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "course"], name="lms_enrolment_once")
        ]
        verbose_name = _("选课")
        verbose_name_plural = _("选课")

    def __str__(self):
        return f"{self.person_id} → {self.course_id}"


class LessonProgress(models.Model):
    """D-9: server-measured active seconds on one lesson and what has been credited for it."""

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="lesson_progress"
    )
    lesson = models.ForeignKey("cms.LessonPage", on_delete=models.PROTECT, related_name="+")
    active_seconds = models.PositiveIntegerField(default=0)
    credited_hours = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("0"))
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "lesson"], name="lms_progress_once")
        ]

    def __str__(self):
        return f"{self.person_id} {self.lesson_id} {self.active_seconds}s"


class LessonDay(models.Model):
    """D-7/D-9: active seconds on a lesson per calendar day (a span across midnight splits), so
    each day's credit goes to that day's cap."""

    progress = models.ForeignKey(LessonProgress, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    active_seconds = models.PositiveIntegerField(default=0)
    credited_hours = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["progress", "date"], name="lms_lessonday_once")
        ]
        ordering = ["date"]


class LearnerPresence(models.Model):
    """D-9: the one (lesson, tab) a person is currently accruing on, and its last beat."""

    person = models.OneToOneField(
        "certification.Person", on_delete=models.CASCADE, related_name="learner_presence"
    )
    lesson = models.ForeignKey(
        "cms.LessonPage", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    tab_token = models.CharField(max_length=64, blank=True)
    last_beat_at = models.DateTimeField(null=True, blank=True)


class QuizAttempt(models.Model):
    """D-16: one attempt at a lesson's quiz, its randomised question order and score."""

    person = models.ForeignKey(
        "certification.Person", on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    lesson = models.ForeignKey("cms.LessonPage", on_delete=models.PROTECT, related_name="+")
    question_order = models.JSONField(default=list)
    answers = models.JSONField(default=dict, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(default=60)
    passed = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "lesson"])]  # completion check on each beat
