from .pages import CourseIndexPage, CoursePage, HomePage, LessonPage
from .users import User

__all__ = ["CourseIndexPage", "CoursePage", "HomePage", "LessonPage", "User"]
