"""Course content builders shared by the lms tests (fixtures are in tests/lms/conftest.py)."""

from decimal import Decimal

from cms.choices import HourKind
from cms.models import LessonPage

QUIZ = {
    "title": "测验",
    "pass_mark": 60,
    "questions": [
        {
            "question": "婴儿仰卧睡眠更安全吗？",
            "choices": ["是", "否"],
            "correct": "1",
            "explanation": "",
        },
        {
            "question": "发生窒息应首先？",
            "choices": ["拍背", "喂水"],
            "correct": "1",
            "explanation": "",
        },
    ],
}


def lesson(course, slug, nominal="2", quiz=False):
    body = [("quiz", QUIZ)] if quiz else []
    page = LessonPage(
        title=slug, slug=slug, nominal_hours=Decimal(nominal), hour_kind=HourKind.THEORY, body=body
    )
    course.add_child(instance=page)
    return page
