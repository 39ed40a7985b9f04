"""Offline class pages for training-base staff and the learner's QR sign-in (D-10).
Thin views: form → access function → one service → response."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.access import require_role
from certification.idnumbers import IdNumberError
from certification.models import Person, StaffRole
from certification.services.bans import PersonBanned
from certification.services.people import person_find_by_id_number
from certification.spreadsheets import SpreadsheetRefused, spreadsheet_is_large
from cms.text import join_messages
from lms.access import access_class_session, bases_of
from lms.forms_offline import (
    AssessmentResultForm,
    ClassSessionForm,
    EnrolForm,
    MarkForm,
    RosterUploadForm,
)
from lms.models import ClassSession
from lms.selectors import class_latest_results
from lms.services import offline
from lms.services.roster_import import roster_import, roster_import_start, roster_template


def _staff(request):
    return require_role(request.user, StaffRole.BASE_STAFF, request=request, action="class.list")


@login_required
def class_list(request):
    _staff(request)
    sessions = ClassSession.objects.filter(
        training_base_id__in=bases_of(request.user)
    ).select_related("course", "training_base")
    return render(request, "lms/offline/class_list.html", {"sessions": sessions})


@login_required
def class_create(request):
    _staff(request)
    form = ClassSessionForm(request.POST or None, base_ids=bases_of(request.user))
    if request.method == "POST" and form.is_valid():
        session = offline.class_session_create(actor=request.user, **form.cleaned_data)
        return redirect("lms:class_detail", pk=session.pk)
    return render(request, "lms/offline/class_form.html", {"form": form})


@login_required
def class_edit(request, pk):
    session = access_class_session(request.user, pk, request=request)
    form = ClassSessionForm(
        request.POST or None,
        instance=ClassSession.objects.get(pk=pk),
        base_ids=bases_of(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            offline.class_session_update(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
        return redirect("lms:class_detail", pk=pk)
    return render(request, "lms/offline/class_form.html", {"form": form, "session": session})


@login_required
def class_detail(request, pk):
    session = access_class_session(request.user, pk, request=request)
    attendance = {a.person_id: a for a in session.attendance.all()}
    results = class_latest_results(session)
    kinds = [(k.value, k.label) for k in offline.assessment_kinds_offered(session.course)]
    roster = [
        (
            e,
            attendance.get(e.person_id),
            [(kind, label, results.get(e.person_id, {}).get(kind)) for kind, label in kinds],
        )
        for e in session.enrolments.select_related("person")
    ]
    return render(
        request,
        "lms/offline/class_detail.html",
        {
            "session": session,
            "roster": roster,
            "enrol_form": EnrolForm(),
        },
    )


@login_required
@require_POST
def class_enrol(request, pk):
    session = access_class_session(request.user, pk, request=request)
    form = EnrolForm(request.POST)
    if form.is_valid():
        try:
            person = person_find_by_id_number(
                id_type=form.cleaned_data["id_type"], id_number=form.cleaned_data["id_number"]
            )
            if person is None or person.name.strip() != form.cleaned_data["name"].strip():
                raise ValidationError(_("未找到姓名与证件号码一致的人员档案。"))
            offline.class_enrol(actor=request.user, session=session, person=person)
            messages.success(request, _("已报名。"))
        except (ValidationError, PersonBanned, IdNumberError) as exc:
            messages.error(request, join_messages(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("请填写姓名和证件号码。"))
    return redirect("lms:class_detail", pk=pk)


@login_required
def class_import(request, pk):
    session = access_class_session(request.user, pk, request=request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # A big roster is never parsed here: it runs in Celery with a progress page.
            if spreadsheet_is_large(upload, filename=upload.name):
                job = roster_import_start(actor=request.user, session=session, upload=upload)
                return redirect("certification:import_job_progress", pk=job.pk)
            enrolled = roster_import(actor=request.user, session=session, upload=upload)
        except SpreadsheetRefused as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)d 人。") % {"n": enrolled})
            return redirect("lms:class_detail", pk=pk)
    return render(
        request,
        "lms/offline/class_import.html",
        {"session": session, "form": form, "errors": errors},
    )


@login_required
def roster_template_download(request):
    _staff(request)
    response = HttpResponse(
        roster_template(),
        content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


def _enrolled_person(session, person_id) -> Person:
    """A person on this class's roster, or 404: staff act only on their own learners."""
    return get_object_or_404(Person, pk=person_id, class_enrolments__session=session)


@login_required
@require_POST
def class_mark(request, pk):
    session = access_class_session(request.user, pk, request=request)
    form = MarkForm(request.POST)
    if form.is_valid():
        person = _enrolled_person(session, form.cleaned_data["person"])
        try:
            offline.attendance_mark(
                actor=request.user,
                session=session,
                person=person,
                present=form.cleaned_data["present"],
            )
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
    return redirect("lms:class_detail", pk=pk)


@login_required
@require_POST
def class_finalise(request, pk):
    session = access_class_session(request.user, pk, request=request)
    try:
        n = offline.class_session_finalise(actor=request.user, session=session)
        messages.success(request, _("已结课，%(n)d 人学时已入账。") % {"n": n})
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    return redirect("lms:class_detail", pk=pk)


@login_required
@require_POST
def class_assessment(request, pk):
    """D-16: base staff record a theory-test or practical score; the pass mark decides."""
    session = access_class_session(request.user, pk, request=request)
    form = AssessmentResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, join_messages(e for errs in form.errors.values() for e in errs))
        return redirect("lms:class_detail", pk=pk)
    person = _enrolled_person(session, form.cleaned_data["person"])
    try:
        result = offline.class_assessment_record(
            actor=request.user,
            session=session,
            person=person,
            kind=form.cleaned_data["kind"],
            score=form.cleaned_data["score"],
        )
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
        return redirect("lms:class_detail", pk=pk)
    verdict = _("合格") if result.passed else _("不合格")
    messages.success(
        request,
        _("%(name)s：%(kind)s %(score)s 分，%(verdict)s（及格分 %(mark)s）。")
        % {
            "name": person.name,
            "kind": result.get_kind_display(),
            "score": result.score,
            "verdict": verdict,
            "mark": session.course.pass_mark,
        },
    )
    return redirect("lms:class_detail", pk=pk)


@login_required
def class_qr(request, pk):
    """The classroom screen: a QR code that rotates every ATTENDANCE_QR_ROTATE_SECONDS."""
    session = access_class_session(request.user, pk, request=request)
    token = offline.qr_token(session_id=session.pk, window=offline.qr_window())
    url = request.build_absolute_uri(reverse("lms:class_sign", args=[session.pk, token]))
    svg = segno.make(url, error="m").svg_inline(scale=8)
    return render(
        request,
        "lms/offline/class_qr.html",
        {"session": session, "svg": svg, "refresh": settings.ATTENDANCE_QR_ROTATE_SECONDS},
    )


@login_required
def class_sign(request, pk, token):
    """The learner's phone: GET shows a confirmation, POST signs in or out."""
    session = ClassSession.objects.filter(pk=pk).select_related("course", "training_base").first()
    if session is None:
        raise Http404
    error = None
    if not offline.qr_token_valid(session_id=pk, token=token):
        error = _("二维码已过期，请重新扫描课堂屏幕上的二维码。")
    elif request.method == "POST":
        try:
            offline.attendance_qr_sign(
                user=request.user,
                session=session,
                token=token,
                action=request.POST.get("action", "in"),
            )
            messages.success(
                request, _("签到成功。") if request.POST.get("action") != "out" else _("签退成功。")
            )
        except ValidationError as exc:
            error = join_messages(exc.messages)
    status = 400 if error else 200
    return render(
        request,
        "lms/offline/class_sign.html",
        {"session": session, "token": token, "error": error},
        status=status,
    )
