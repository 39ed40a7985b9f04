"""Training-base supervision pages (D-39). Thin: access → selector or one service → response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certification.access.supervision import (
    access_accreditation_decision,
    access_supervised_base,
    supervised_bases,
)
from certification.audit import client_ip
from certification.forms_supervision import AccreditationDecisionForm
from certification.rules.supervision import MAX_HOURS_PER_DAY, MIN_LEARNERS
from certification.selectors import supervision as sel
from certification.services.supervision import TRANSITIONS, accreditation_decide


@never_cache
@login_required
def base_list(request):
    bases = supervised_bases(request.user, request=request)
    return render(
        request,
        "certification/supervision/base_list.html",
        {"bases": sel.supervision_list(bases)},
    )


@never_cache
@login_required
def base_detail(request, base_id: int):
    base = access_supervised_base(request.user, base_id, request=request)
    indicators = sel.base_indicators(type(base).objects.filter(pk=base.pk)).get()
    accreditations = [
        (
            a,
            AccreditationDecisionForm(prefix=f"a{a.pk}", actions=set(TRANSITIONS.get(a.status, {})))
            if TRANSITIONS.get(a.status)
            else None,
        )
        for a in sel.base_accreditations(base)
    ]
    return render(
        request,
        "certification/supervision/base_detail.html",
        {
            "base": base,
            "indicators": indicators,
            "flagged": sel.flagged_classes([base.pk]),
            "issuers": sel.certificates_per_issuer(base),
            "accreditations": accreditations,
            "min_learners": MIN_LEARNERS,
            "max_hours": MAX_HOURS_PER_DAY,
        },
    )


@never_cache
@login_required
@require_POST
def accreditation_decide_view(request, accreditation_id: int):
    accreditation = access_accreditation_decision(request.user, accreditation_id, request=request)
    form = AccreditationDecisionForm(request.POST, prefix=f"a{accreditation.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            decision = accreditation_decide(
                actor=request.user,
                accreditation=accreditation,
                ip=client_ip(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("已记录决定 %(number)s：培训资质现为“%(status)s”。")
                % {
                    "number": decision.decision_number,
                    "status": accreditation.get_status_display(),
                },
            )
    return redirect("certification:supervision_base", base_id=accreditation.training_base_id)
