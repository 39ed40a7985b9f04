"""How the site writes dates and hours, one way per language (issue 17).

Pages never spell a date format themselves: `{{ d|as_date }}`, `{{ t|as_datetime }}`,
`{{ d|as_month }}` follow the active language's format module (cms/formats/), and
`{{ h|as_hours }}` shows class hours with one decimal. Loaded as a template builtin.
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def _format(value, format_name: str) -> str:
    if value in (None, ""):
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, format_name)


@register.filter
def as_date(value) -> str:
    return _format(value, "DATE_FORMAT")


@register.filter
def as_datetime(value, seconds: str = "") -> str:
    text = _format(value, "DATETIME_FORMAT")
    if text and seconds:
        text += formats.date_format(timezone.localtime(value), ":s")
    return text


@register.filter
def as_month(value) -> str:
    return _format(value, "YEAR_MONTH_FORMAT")


@register.filter
def as_hours(value) -> str:
    """Class hours (学时) with exactly one decimal: 2.0, 120.0; blank for no value."""
    if value in (None, ""):
        return ""
    try:
        Decimal(str(value))
    except InvalidOperation:
        return ""
    return floatformat(value, 1)


@register.simple_tag
def empty_row(columns, text=None):
    """The row a table shows when it has none: `{% empty_row 6 _("暂无证书") %}`, one look for
    every empty table (text defaults to 暂无数据)."""
    return format_html(
        '<tr class="empty"><td colspan="{}" class="muted">{}</td></tr>',
        columns,
        text if text is not None else _("暂无数据"),
    )
