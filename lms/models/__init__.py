"""Learning delivery models, one module per concept."""

from .offline import Attendance, ClassEnrolment, ClassSession  # noqa: F401
