"""Vocabularies shared by every layer (cms is the bottom layer, so they live here once)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerRole(models.TextChoices):
    """D-5: the roles an employment can hold; D-6 requirements are per role."""

    DIRECTOR = "director", _("托育机构负责人")
    CAREGIVER = "caregiver", _("保育人员")
    HEALTH_WORKER = "health_worker", _("保健人员")
    OTHER = "other", _("其他工作人员")


# A course whose audience is ALL_STAFF counts for every role (D-11).
ALL_STAFF = "all"
AUDIENCE_CHOICES = [*WorkerRole.choices, (ALL_STAFF, _("全体从业人员"))]


class TrainingType(models.TextChoices):
    """D-16."""

    PRE_SERVICE = "pre_service", _("岗前培训")
    CONTINUING = "continuing", _("继续教育")
    SKILL_LEVEL = "skill_level", _("技能等级培训")


class Delivery(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下")
    BLENDED = "blended", _("线上线下结合")


class HourKind(models.TextChoices):
    """D-6: theory and practice hours have separate minima."""

    THEORY = "theory", _("理论")
    PRACTICE = "practice", _("实操")
