from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from certification.access import staff_scope

register = template.Library()

# Links each staff role sees in the header. Apps register theirs in NAV_LINKS by role code;
# unknown url names are skipped so a link appears as soon as its view exists. Wrap each label in
# gettext_noop() so makemessages extracts it (it is translated when the header is rendered).
NAV_LINKS: dict[str, list[tuple[str, str]]] = {
    "worker": [
        ("lms:my_learning", gettext_noop("我的学习")),
        ("certification:subsidy_eligibility", gettext_noop("培训补贴")),
    ],
    "institution_admin": [
        ("certification:institution_dashboard", gettext_noop("机构看板")),
        ("certification:work_certificate_list", gettext_noop("持证上岗")),
    ],
    "base_staff": [
        ("lms:class_list", gettext_noop("线下班级")),
        ("lms:base_dashboard", gettext_noop("基地看板")),
        ("certification:skill_certificate_new", gettext_noop("技能等级证书")),
    ],
    "hr_reviewer": [
        ("certification:subsidy_review_queue", gettext_noop("补贴审核")),
        ("certification:subsidy_final_approval", gettext_noop("公示与批准")),
        ("certification:credit_list", gettext_noop("诚信档案")),
        ("certification:skill_certificate_new", gettext_noop("技能等级证书")),
        ("certification:policy_index", gettext_noop("政策参数")),
    ],
    "hr_payment": [
        ("certification:payment_batch_list", gettext_noop("支付批次")),
        ("certification:credit_list", gettext_noop("诚信档案")),
    ],
    "regulator": [
        ("certification:regulator_dashboard", gettext_noop("监管看板")),
        ("certification:ban_list", gettext_noop("禁入登记")),
        ("certification:credit_list", gettext_noop("诚信档案")),
        ("certification:supervision_bases", gettext_noop("培训基地监管")),
        ("certification:rule_list", gettext_noop("学时规则")),
        ("certification:policy_index", gettext_noop("政策参数")),
    ],
    "editor": [("wagtailadmin_home", gettext_noop("内容管理"))],
    "sysadmin": [
        ("certification:organisation_list", gettext_noop("机构管理")),
        ("certification:grant_list", gettext_noop("角色授权")),
        ("certification:calendar_edit", gettext_noop("工作日历")),
        ("certification:outbox_delivery_list", gettext_noop("数据推送")),
        ("certification:staff_list", gettext_noop("工作人员")),
        ("certification:audit_log", gettext_noop("审计日志")),
        ("wagtailadmin_home", gettext_noop("内容管理")),
        ("admin:index", gettext_noop("系统管理")),
    ],
    "region_admin": [
        ("certification:organisation_list", gettext_noop("机构管理")),
        ("certification:grant_list", gettext_noop("角色授权")),
    ],
    "audit_reader": [("certification:audit_log", gettext_noop("审计日志"))],
}


@register.simple_tag
def staff_nav(user):
    roles = ["worker"] if hasattr(user, "person") else []
    roles += sorted(staff_scope(user).roles)
    links, seen = [], set()
    for role in roles:
        for url_name, label in NAV_LINKS.get(role, []):
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            if url not in seen:
                seen.add(url)
                links.append({"url": url, "label": _(label)})
    return links


@register.simple_tag(takes_context=True)
def export_query(context) -> str:
    """The current filters with `format=xlsx`, from the first row (no `page`)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    params["format"] = "xlsx"
    return params.urlencode()


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """The current query string with `page` set to `number`: filters survive paging."""
    params = context["request"].GET.copy()
    params["page"] = number
    return params.urlencode()
