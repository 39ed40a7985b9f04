"""Learning delivery models, one module per concept."""

from .offline import Attendance, ClassEnrolment, ClassSession  # noqa: F401
from .online import (  # noqa: F401
    Enrolment,
    LearnerPresence,
    LessonDay,
    LessonProgress,
    QuizAttempt,
)
