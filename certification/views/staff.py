"""Staff accounts for system administrators: who holds which role and scope; deactivation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.access.staff import access_staff_account, require_account_manager
from certification.audit import client_ip
from certification.filters import StaffFilter
from certification.selectors.staff import staff_memberships
from certification.services.security import user_deactivate


@login_required
def staff_list(request):
    require_account_manager(request.user, request=request, action="staff.list")
    filters = StaffFilter(request.GET, queryset=staff_memberships())
    page = Paginator(filters.qs, 50).get_page(request.GET.get("page"))
    return render(request, "certification/staff/list.html", {"page": page, "filters": filters})


@require_POST
@login_required
def staff_deactivate(request, user_id: int):
    account = access_staff_account(request.user, user_id, request=request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("请勾选确认后再停用账号。"))
    elif account.is_active:
        user_deactivate(actor=request.user, user=account, ip=client_ip(request))
        messages.success(
            request, _("已停用账号 %(email)s，其所有会话已结束。") % {"email": account.email}
        )
    return redirect("certification:staff_list")
