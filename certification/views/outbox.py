"""Outbox pages (D-40), system administrators only: the receivers (the secret write-only) and
the deliveries that need attention, with a retry for dead letters. Thin: form → access → one
service → response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from certification.access.outbox import access_delivery, access_receiver, require_outbox_admin
from certification.audit import client_ip
from certification.forms_outbox import DeliveryFilterForm, ReceiverForm
from certification.selectors.outbox import deliveries_needing_attention, receivers_with_backlog
from certification.services.outbox import delivery_retry, receiver_create, receiver_update


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@never_cache
@login_required
def receiver_list(request):
    require_outbox_admin(request.user, request=request, action="outbox.receivers")
    return render(
        request, "certification/outbox/receivers.html", {"receivers": receivers_with_backlog()}
    )


@never_cache
@login_required
def receiver_new(request):
    require_outbox_admin(request.user, request=request, action="outbox.receiver_create")
    form = ReceiverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            receiver_create(actor=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已添加接收方。"))
            return redirect("certification:outbox_receiver_list")
    return render(request, "certification/outbox/receiver_form.html", {"form": form})


@never_cache
@login_required
def receiver_edit(request, receiver_id: int):
    receiver = access_receiver(
        request.user, receiver_id, request=request, action="outbox.receiver_update"
    )
    initial = {
        "name": receiver.name,
        "url": receiver.url,
        "event_types": receiver.event_types,
        "region": receiver.region,
        "is_active": receiver.is_active,
    }
    form = ReceiverForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            receiver_update(
                actor=request.user, receiver=receiver, ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("certification:outbox_receiver_list")
    return render(
        request, "certification/outbox/receiver_form.html", {"form": form, "receiver": receiver}
    )


@never_cache
@login_required
def delivery_list(request):
    require_outbox_admin(request.user, request=request, action="outbox.deliveries")
    filters = DeliveryFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = Paginator(deliveries_needing_attention(status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "certification/outbox/deliveries.html", {"page": page, "filters": filters}
    )


@require_POST
@login_required
def delivery_retry_view(request, delivery_id: int):
    delivery = access_delivery(request.user, delivery_id, request=request, action="outbox.retry")
    try:
        delivery_retry(actor=request.user, delivery=delivery, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("已重新排入推送（第 %(n)s 号事件）。") % {"n": delivery.event.sequence}
        )
    return redirect("certification:outbox_delivery_list")
