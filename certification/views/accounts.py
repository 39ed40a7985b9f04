"""The worker's own account pages: profile and claiming a person record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from certification.audit import client_ip
from certification.forms import ClaimPersonForm
from certification.services.bans import PersonBanned
from certification.services.people import has_id_consent, id_consent_record, person_claim


@never_cache
@login_required
def profile(request):
    person = getattr(request.user, "person", None)
    # The owner sees their own full number (D-3); nobody else does on this page.
    own_id_number = person.reveal_id_number() if person else None
    return render(
        request, "certification/profile.html", {"person": person, "own_id_number": own_id_number}
    )


@never_cache
@login_required
def claim(request):
    if getattr(request.user, "person", None) is not None:
        return redirect("certification:profile")
    form = ClaimPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if not has_id_consent(request.user):
            id_consent_record(user=request.user, ip=ip)
        try:
            person_claim(
                user=request.user,
                id_type=form.cleaned_data["id_type"],
                id_number=form.cleaned_data["id_number"],
                name=form.cleaned_data["name"],
                ip=ip,
            )
        except PersonBanned as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已关联人员档案。"))
            return redirect("certification:profile")
    return render(request, "certification/claim.html", {"form": form})


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)
