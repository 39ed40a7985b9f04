"""xlsx exports of dashboard tables (openpyxl).

Cells are escaped like settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT: a text value starting
with = + - @ gets a leading apostrophe so a spreadsheet never evaluates it as a formula.
"""

import io
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_cell(value):
    if isinstance(value, Promise):  # lazy translations (choice labels)
        value = str(value)
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and getattr(settings, "IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT", True)
    ):
        return "'" + value
    return value


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One worksheet per (title, headers, rows)."""
    wb = Workbook(write_only=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=str(title)[:31])
        ws.append([escape_cell(h) for h in headers])
        for row in rows:
            ws.append([escape_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, sheets) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
