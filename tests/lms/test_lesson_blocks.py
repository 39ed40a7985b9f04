"""A lesson body with every kind of block renders (heading, text, image, video file, document,
quiz) and media is sized to the screen."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from cms.choices import HourKind
from cms.models import LessonPage
from tests.lms.content import QUIZ

pytestmark = pytest.mark.django_db


def test_a_lesson_with_every_block_kind_renders(client, cast, course, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path)
    image = Image.objects.create(title="睡姿示意", file=get_test_image_file())
    video = Document(title="安全睡眠视频")
    video.file.save("sleep.mp4", ContentFile(b"\x00" * 16), save=True)
    handout = Document(title="安全睡眠讲义")
    handout.file.save("sleep.pdf", ContentFile(b"%PDF-1.4"), save=True)
    lesson = LessonPage(
        title="婴儿安全睡眠",
        slug="sleep",
        nominal_hours=Decimal("1"),
        hour_kind=HourKind.THEORY,
        body=[
            ("heading", "仰卧入睡"),
            ("paragraph", "<p>床面坚实，不放枕头。</p>"),
            ("image", {"image": image, "caption": "正确睡姿"}),
            ("video", {"video": video, "embed": None, "caption": "示范"}),
            ("document", handout),
            ("quiz", QUIZ),
        ],
    )
    course.add_child(instance=lesson)
    client.force_login(cast.worker_user)
    html = client.get(lesson.url).content.decode()
    assert '<h2 class="lesson-heading">仰卧入睡</h2>' in html
    assert "床面坚实" in html and "正确睡姿" in html
    assert "<img" in html and "<video controls" in html and "sleep.mp4" in html
    assert "安全睡眠讲义" in html and "PDF" in html
    assert "开始测验" in html


def test_the_quiz_note_counts_questions_in_english(client, cast, course):
    one = {**QUIZ, "questions": QUIZ["questions"][:1]}
    lesson = LessonPage(
        title="一题", slug="one-question", nominal_hours=Decimal("1"), body=[("quiz", one)]
    )
    course.add_child(instance=lesson)
    client.force_login(cast.worker_user)
    english = client.get(lesson.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 question;" in english and "1 questions" not in english
    # The heartbeat script's sentences come from the page, translated.
    assert 'data-active="Studied {minutes} min {seconds} s' in english
    chinese = client.get(lesson.url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "共 1 题" in chinese
