"""One way to write a date and class hours per language, from the template filters that every
page uses (issue 17): 2026年11月29日 in Chinese, 2026-11-29 in English; hours with one decimal."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.template import Context, Template
from django.utils import timezone
from django.utils.translation import override

from certification.rules.subsidies import CheckResult

TEMPLATE = Template(
    "{{ d|as_date }}|{{ t|as_datetime }}|{{ t|as_datetime:'seconds' }}|{{ d|as_month }}|"
    "{{ h|as_hours }}|{{ none|as_date|default:'—' }}|{{ none|as_hours|default:'—' }}"
)
CONTEXT = {
    "d": dt.date(2026, 1, 5),
    # 06:07:08 UTC is 14:07:08 in Asia/Shanghai: pages show local time.
    "t": dt.datetime(2026, 1, 5, 6, 7, 8, tzinfo=dt.UTC),
    "h": Decimal("120"),
    "none": None,
}


def _render(language: str) -> list[str]:
    with override(language), timezone.override("Asia/Shanghai"):
        return TEMPLATE.render(Context(CONTEXT)).split("|")


def test_chinese_pages_write_dates_the_chinese_way():
    assert _render("zh-hans") == [
        "2026年1月5日",
        "2026年1月5日 14:07",
        "2026年1月5日 14:07:08",
        "2026年1月",
        "120.0",
        "—",
        "—",
    ]


def test_english_pages_write_iso_dates():
    assert _render("en") == [
        "2026-01-05",
        "2026-01-05 14:07",
        "2026-01-05 14:07:08",
        "2026-01",
        "120.0",
        "—",
        "—",
    ]


def test_an_eligibility_reason_shows_its_deadline_in_the_readers_format():
    result = CheckResult(
        "within_window",
        False,
        "须在发证之日起%(months)s个月内申请（截止%(last_day)s）",
        {"months": 12, "last_day": "2027-03-01"},
    )
    with override("zh-hans"):
        assert "截止2027年3月1日" in result.reason
    assert result.as_dict()["params"]["last_day"] == "2027-03-01"  # snapshots keep ISO


def test_no_page_spells_its_own_date_format():
    templates = Path(__file__).resolve().parents[1] / "templates"
    spelled = [
        f"{path.relative_to(templates)}"
        for path in templates.rglob("*.html")
        # Date inputs need ISO values; the certificate PDF is a Chinese document by law.
        if '|date:"Y-m' in path.read_text() and path.name != "pdf.html"
    ]
    assert spelled == []
