from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

# Links each staff role sees in the header. Apps register theirs in NAV_LINKS by role code;
# unknown url names are skipped so a link appears as soon as its view exists.
NAV_LINKS: dict[str, list[tuple[str, str]]] = {
    "worker": [("lms:my_learning", "我的学习"), ("certification:subsidy_eligibility", "培训补贴")],
    "institution_admin": [("certification:institution_dashboard", "机构看板")],
    "base_staff": [("lms:class_list", "线下班级"), ("certification:base_dashboard", "基地看板")],
    "hr_reviewer": [("certification:subsidy_review_queue", "补贴审核")],
    "hr_payment": [("certification:payment_batch_list", "支付批次")],
    "regulator": [("certification:regulator_dashboard", "监管看板"),
                  ("certification:ban_list", "禁入登记")],
    "editor": [("wagtailadmin_home", "内容管理")],
    "sysadmin": [("wagtailadmin_home", "内容管理"), ("admin:index", "系统管理")],
}


@register.simple_tag
def staff_nav(user):
    from django.utils.translation import gettext as _

    from certification.access import staff_scope

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
