"""Demo content (step 30): home page, catalogue and three Chinese courses with lessons/quizzes."""

from decimal import Decimal

from wagtail.models import Page, Site
from wagtail.search import index as search_index

from cms.choices import HourKind
from cms.demo import demo_step
from cms.models import CourseIndexPage, CoursePage, HomePage, LessonPage


def _quiz(q, choices, correct):
    return (
        "quiz",
        {
            "title": "课后测验",
            "pass_mark": 60,
            "questions": [
                {"question": q, "choices": choices, "correct": correct, "explanation": ""}
            ],
        },
    )


def _text(html):
    return ("paragraph", html)


COURSES = [
    (
        "DIR-01",
        "托育机构负责人培训",
        ["director"],
        Decimal("40"),
        Decimal("20"),
        "online",
        [
            (
                "托育机构安全管理制度",
                "<p>负责人须建立晨午检、门禁、食品留样和消防巡查制度，"
                "每月组织一次应急疏散演练，并做好记录。</p>",
                _quiz("食品留样至少保存多少小时？", ["24 小时", "48 小时"], "2"),
            ),
            (
                "婴幼儿传染病防控",
                "<p>发现发热、皮疹等症状应及时隔离并通知家长，"
                "按规定报告属地疾控机构，做好环境消毒。</p>",
                None,
            ),
        ],
    ),
    (
        "CARE-01",
        "保育人员培训",
        ["caregiver"],
        Decimal("40"),
        Decimal("80"),
        "blended",
        [
            (
                "婴儿安全睡眠",
                "<p>1 岁以下婴儿应仰卧入睡，床面坚实，不放枕头、毛绒玩具，"
                "保育人员每 10–15 分钟巡视一次。</p>",
                _quiz("1 岁以下婴儿推荐的睡姿是？", ["仰卧", "俯卧", "侧卧"], "1"),
            ),
            (
                "婴幼儿膳食与喂养",
                "<p>6 月龄起在继续母乳喂养基础上添加辅食，由一种到多种、"
                "由稀到稠，注意食物过敏观察。</p>",
                None,
            ),
            (
                "气道异物梗阻急救",
                "<p>1 岁以下婴儿发生窒息时，采用 5 次背部叩击加 5 次胸部按压，"
                "交替进行，同时呼叫 120。</p>",
                _quiz(
                    "婴儿气道异物梗阻时应采用？", ["背部叩击与胸部按压", "海姆立克腹部冲击"], "1"
                ),
            ),
        ],
    ),
    (
        "CE-01",
        "在岗继续教育",
        ["all"],
        Decimal("4"),
        Decimal("0"),
        "online",
        [
            (
                "儿童伤害预防",
                "<p>常见伤害包括跌落、烧烫伤、溺水和中毒；热水、药品须放在儿童接触不到的地方。</p>",
                _quiz("以下哪项能预防烫伤？", ["热水放高处并加盖", "让幼儿自行取热水"], "1"),
            ),
            (
                "手卫生与环境清洁",
                "<p>七步洗手法：内、外、夹、弓、大、立、腕，每步不少于 15 秒。</p>",
                None,
            ),
        ],
    ),
]


@demo_step(30, "learning")
def load_learning(log) -> None:
    site = Site.objects.get(is_default_site=True)
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="CareCert 托育从业人员培训", slug="carecert"))
        old = site.root_page
        site.root_page = home
        site.save()
        if old.specific_class is Page:
            old.delete()
    index = CourseIndexPage.objects.first()
    if index is None:
        index = home.add_child(instance=CourseIndexPage(title="课程", slug="courses"))
    for code, title, audience, theory, practice, delivery, lessons in COURSES:
        course = CoursePage.objects.filter(code=code).first()
        if course is None:
            course = index.add_child(
                instance=CoursePage(
                    title=title,
                    slug=code.lower(),
                    code=code,
                    audience_roles=audience,
                    theory_hours=theory,
                    practice_hours=practice,
                    delivery=delivery,
                )
            )
        for i, (ltitle, html, quiz) in enumerate(lessons, start=1):
            if course.get_children().filter(title=ltitle).exists():
                continue
            body = [_text(html)] + ([quiz] if quiz else [])
            course.add_child(
                instance=LessonPage(
                    title=ltitle,
                    slug=f"lesson-{i}",
                    nominal_hours=Decimal("1.0"),
                    hour_kind=HourKind.THEORY,
                    body=body,
                )
            )
    # (Re)index the demo pages so catalogue search works on a database loaded before the
    # Chinese search pieces existed (new pages are indexed on save anyway).
    for page in [*CoursePage.objects.all(), *LessonPage.objects.all()]:
        search_index.insert_or_update_object(page)
    log("learning: home page, catalogue and 3 courses")


from lms.demo_offline import load_offline_demo  # noqa: E402, F401  (registers demo step 40)
from lms.demo_online import load_online_learners  # noqa: E402, F401  (registers demo step 35)
from lms.demo_supervision import load_supervision_demo  # noqa: E402, F401  (registers demo step 45)
