"""Online learning pages: my learning, enrolment, heartbeats, quizzes (thin views)."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.models import Person
from certification.selectors.compliance import person_compliance
from certification.services.bans import PersonBanned
from cms.choices import WorkerRole
from cms.models import CoursePage, LessonPage
from cms.templatetags.carecert_format import as_hours
from lms import selectors
from lms.services import online


def _person_or_claim(request):
    return getattr(request.user, "person", None)


@login_required
def my_learning(request):
    person = _person_or_claim(request)
    if person is None:
        return redirect("certification:claim")
    roles = selectors.hours_by_role(person=person)
    labels = dict(WorkerRole.choices)
    ledger = {row["role"]: row["entries"] for row in roles}
    compliance = person_compliance(person)
    for row in compliance:
        row.entries = ledger.get(row.role, [])
    for row in roles:
        row["role_label"] = labels.get(row["role"], row["role"])
    courses = selectors.enrolments_with_progress(person=person)
    # One translated sentence filled per course (a {% blocktranslate %} per card cost a fifth
    # of the page's time with many courses, issue 18).
    progress = _("已完成 %(done)s/%(total)s 课时，已记 %(hours)s 学时")
    for row in courses:
        row["progress_text"] = progress % {
            "done": row["done"],
            "total": row["lessons"],
            "hours": as_hours(row["credited"]),
        }
    return render(
        request,
        "lms/my_learning.html",
        {
            "courses": courses,
            "roles": roles,
            "compliance": compliance,
            "with_requirement": {row.role for row in compliance},
        },
    )


@login_required
@require_POST
def enrol(request, course_id: int):
    person = _person_or_claim(request)
    if person is None:
        return redirect("certification:claim")
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        online.enrolment_create(actor=request.user, person=person, course=course)
        messages.success(request, _("已报名。"))
    except PersonBanned as exc:
        messages.error(request, str(exc))
    return redirect(course.url)


@login_required
@require_POST
def heartbeat(request, lesson_id: int):
    # Every learner beats every interval, and compiling and loading these two wide rows was
    # most of a beat's CPU (issue 18): just what a steady beat reads, the person with the region
    # whose learning policy applies, the lesson's nominal time. The rare beat that credits
    # loads the rest on first use.
    person = (
        Person.objects.select_related("region")
        .only("pk", "user_id", "region")
        .filter(user=request.user)
        .first()
    )
    if person is None:
        return JsonResponse({"active": False}, status=403)
    lesson = get_object_or_404(
        LessonPage.objects.live().only("title", "path", "depth", "nominal_hours", "body"),
        pk=lesson_id,
    )
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponseBadRequest()
    token = str(data.get("tab", ""))[:64]
    if not token:
        return HttpResponseBadRequest()
    result = online.heartbeat_record(
        actor=request.user,
        person=person,
        lesson=lesson,
        tab_token=token,
        start=bool(data.get("start")),
    )
    result["interval"] = settings.LEARNING_HEARTBEAT_SECONDS
    return JsonResponse(result)


@login_required
def quiz(request, lesson_id: int):
    person = _person_or_claim(request)
    if person is None:
        return redirect("certification:claim")
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    if request.method == "POST":
        answers = {
            k[2:]: [int(v) for v in request.POST.getlist(k) if v.isdigit()]
            for k in request.POST
            if k.startswith("q_")
        }
        try:
            attempt = online.quiz_attempt_submit(
                actor=request.user,
                attempt_id=int(request.POST.get("attempt", 0)),
                person=person,
                answers=answers,
            )
        except (ValidationError, ValueError):
            return redirect("lms:quiz", lesson_id=lesson.pk)
        return render(request, "lms/quiz_result.html", {"lesson": lesson, "attempt": attempt})
    try:
        attempt = online.quiz_attempt_start(person=person, lesson=lesson)
    except ValidationError:
        return redirect(lesson.url)
    block = online.quiz_block(lesson)
    questions = [(i, block["questions"][i]) for i in attempt.question_order]
    return render(
        request,
        "lms/quiz.html",
        {"lesson": lesson, "attempt": attempt, "quiz": block, "questions": questions},
    )
