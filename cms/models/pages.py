"""Wagtail pages: the home page and the course catalogue. Content only; no progress, no rules."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import LessonStreamBlock
from cms.choices import ALL_STAFF, AUDIENCE_CHOICES, Delivery, HourKind, TrainingType
from cms.search import index_text, search_query


class HomePage(Page):
    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.CourseIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")


class CourseIndexPage(Page):
    """The course catalogue at /courses/."""

    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CoursePage"]

    class Meta:
        verbose_name = _("课程目录")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = CoursePage.objects.live().child_of(self).order_by("code")
        q = request.GET.get("q", "").strip()
        matched_lessons: dict[int, list[str]] = {}
        if q:
            course_ids, matched_lessons = self.search_courses(q)
            courses = courses.filter(pk__in=course_ids)
        courses = list(courses)
        role = request.GET.get("audience")
        if role:
            courses = [
                c for c in courses if role in c.audience_roles or ALL_STAFF in c.audience_roles
            ]
        for course in courses:
            course.matched_lessons = matched_lessons.get(course.pk, [])
        context.update(courses=courses, q=q, audience=role or "", audience_choices=AUDIENCE_CHOICES)
        return context

    def search_courses(self, q: str) -> tuple[set[int], dict[int, list[str]]]:
        """Live courses under this catalogue matching `q` in their own text or in one of their
        live lessons: (course ids, {course id: titles of the matching lessons})."""
        terms = search_query(q)
        if not terms:
            return set(), {}
        ids = {c.pk for c in CoursePage.objects.live().child_of(self).search(terms, operator="and")}
        lessons = list(LessonPage.objects.live().descendant_of(self).search(terms, operator="and"))
        by_path = dict(
            CoursePage.objects.live()
            .child_of(self)
            .filter(path__in={les.path[: -self.steplen] for les in lessons})
            .values_list("path", "pk")
        )
        matched: dict[int, list[str]] = {}
        for les in lessons:
            course_id = by_path.get(les.path[: -self.steplen])
            if course_id is not None:
                ids.add(course_id)
                matched.setdefault(course_id, []).append(les.title)
        return ids, matched


class CoursePageForm(WagtailAdminPageForm):
    audience_roles = forms.MultipleChoiceField(
        label=_("适用人员"), choices=AUDIENCE_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class CoursePage(Page):
    """D-16: a course, its audience, nominal hours and assessment."""

    code = models.CharField(_("课程代码"), max_length=32, unique=True)
    summary = models.TextField(_("课程简介"), blank=True)
    audience_roles = models.JSONField(_("适用人员"), default=list)
    training_type = models.CharField(
        _("培训类型"), max_length=16, choices=TrainingType.choices, default=TrainingType.CONTINUING
    )
    delivery = models.CharField(
        _("授课方式"), max_length=16, choices=Delivery.choices, default=Delivery.ONLINE
    )
    theory_hours = models.DecimalField(
        _("理论学时"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    practice_hours = models.DecimalField(
        _("实操学时"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("考核及格分（百分制）"), default=60, validators=[MaxValueValidator(100)]
    )
    has_theory_test = models.BooleanField(_("理论考试"), default=True)
    has_practical_assessment = models.BooleanField(_("实操考核"), default=False)
    body = RichTextField(_("课程介绍"), blank=True)

    base_form_class = CoursePageForm
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("code"),
                FieldPanel("audience_roles"),
                FieldPanel("training_type"),
                FieldPanel("delivery"),
            ],
            heading=_("课程信息"),
        ),
        MultiFieldPanel(
            [FieldPanel("theory_hours"), FieldPanel("practice_hours")], heading=_("学时")
        ),
        MultiFieldPanel(
            [
                FieldPanel("has_theory_test"),
                FieldPanel("has_practical_assessment"),
                FieldPanel("pass_mark"),
            ],
            heading=_("考核"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("code"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_pieces"),
        index.FilterField("training_type"),
        index.FilterField("delivery"),
    ]
    parent_page_types = ["cms.CourseIndexPage"]
    subpage_types = ["cms.LessonPage"]

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def total_hours(self) -> Decimal:
        return self.theory_hours + self.practice_hours

    def search_pieces(self) -> str:
        """Chinese text as bigrams for the search index (see cms.search)."""
        return index_text(self.title, self.code, self.summary, self.body)

    def clean(self):
        super().clean()
        if not self.audience_roles:
            raise ValidationError({"audience_roles": _("请至少选择一类适用人员")})


class LessonPage(Page):
    """One online lesson. It credits at most `nominal_hours` (D-9)."""

    nominal_hours = models.DecimalField(
        _("额定学时"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    hour_kind = models.CharField(
        _("学时类别"), max_length=16, choices=HourKind.choices, default=HourKind.THEORY
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("课时内容"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("nominal_hours"), FieldPanel("hour_kind")], heading=_("学时")),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("body"),
        index.SearchField("search_pieces"),
    ]
    parent_page_types = ["cms.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")

    @property
    def course(self) -> "CoursePage":
        return self.get_parent().specific

    def search_pieces(self) -> str:
        """Chinese text (title and body, quiz questions included) as bigrams for the index."""
        content = self.body.stream_block.get_searchable_content(self.body) if self.body else []
        return index_text(self.title, *content)

    def quiz_blocks(self):
        """The quiz blocks in the body; a lesson with any is complete only once one is passed."""
        return [block for block in self.body if block.block_type == "quiz"]
