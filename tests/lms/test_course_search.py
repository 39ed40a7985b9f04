"""Search over the course catalogue (/courses/?q=): Wagtail search, Chinese text included."""

from decimal import Decimal

import pytest
from wagtail.models import Site

from cms.choices import HourKind
from cms.models import CourseIndexPage, CoursePage, LessonPage
from cms.search import cjk_pieces, search_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    # The catalogue a fresh installation has (cms migration 0003) under the site's home page.
    root = Site.objects.get(is_default_site=True).root_page
    index = CourseIndexPage.objects.child_of(root).get()
    for code, title, summary, audience in [
        ("CARE-01", "保育人员培训", "婴儿安全睡眠、膳食与喂养。", ["caregiver"]),
        ("DIR-01", "托育机构负责人培训", "安全管理制度与传染病防控。", ["director"]),
        ("CE-01", "在岗继续教育", "儿童伤害预防与手卫生。", ["all"]),
    ]:
        index.add_child(
            instance=CoursePage(
                title=title, slug=code.lower(), code=code, summary=summary, audience_roles=audience
            )
        )
    care = CoursePage.objects.get(code="CARE-01")
    care.add_child(
        instance=LessonPage(
            title="气道异物梗阻急救",
            slug="choking",
            nominal_hours=Decimal("1"),
            hour_kind=HourKind.THEORY,
            body=[("paragraph", "<p>发生窒息时采用背部叩击加胸部按压。</p>")],
        )
    )
    return index


def codes(client, **params):
    response = client.get("/courses/", params)
    assert response.status_code == 200
    return [c.code for c in response.context["courses"]], response.content.decode()


def test_query_is_cut_into_chinese_pairs_and_words():
    assert cjk_pieces("婴儿睡眠") == "婴儿 儿睡 睡眠"
    assert search_query("  睡眠 CARE-01！") == "睡眠 CARE 01"
    assert search_query("！？") == ""


def test_a_word_inside_a_course_title_or_summary_finds_the_course(client, catalogue):
    assert codes(client, q="睡眠")[0] == ["CARE-01"]  # inside the summary
    assert codes(client, q="负责人")[0] == ["DIR-01"]  # inside the title
    assert codes(client, q="dir-01")[0] == ["DIR-01"]  # the course code


def test_a_match_in_a_lesson_finds_its_course_and_names_the_lesson(client, catalogue):
    found, html = codes(client, q="胸部按压")
    assert found == ["CARE-01"]
    assert "气道异物梗阻急救" in html


def test_no_match_says_so(client, catalogue):
    found, html = codes(client, q="老年护理")
    assert found == []
    assert "没有找到与“老年护理”相关的课程" in html


def test_search_combines_with_the_audience_filter(client, catalogue):
    assert codes(client, q="安全")[0] == ["CARE-01", "DIR-01"]
    assert codes(client, q="安全", audience="director")[0] == ["DIR-01"]
    assert codes(client, q="睡眠", audience="director")[0] == []
    # a course for all staff shows under every audience
    assert codes(client, q="手卫生", audience="caregiver")[0] == ["CE-01"]
    assert codes(client, audience="caregiver")[0] == ["CARE-01", "CE-01"]


def test_unpublished_courses_are_not_found(client, catalogue):
    CoursePage.objects.get(code="CARE-01").unpublish()
    assert codes(client, q="睡眠")[0] == []
