"""The one spreadsheet module: every .xlsx import reads through here, every export writes here.

Reading is defensive because uploads come from outside (issue 14):

- the content is checked before any parser runs: size, the zip signature (an OLE file is an old
  .xls or an encrypted workbook), the zip's central directory (entry count, declared
  uncompressed size, compression ratio — a zip bomb is refused without inflating a byte), macros
  (vbaProject.bin or a macro-enabled content type) and the presence of xl/workbook.xml — by
  content, never by the file's name;
- openpyxl then streams the first sheet read-only; the sheet's own `<dimension>` is ignored (a
  lying one must not truncate the file) and rows past IMPORT_MAX_ROWS stop the read;
- a bad cell is a RowError (row, column, Chinese message), never an exception escaping to a 500.

zipfile never inflates an entry past its declared size (it stops there and fails the CRC), so the
declared sizes are a safe bound on what openpyxl can be made to read.

Writing escapes formulae like settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT: a text value
starting with = + - @ gets a leading apostrophe so a spreadsheet never evaluates it.
"""

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_ZIP_ENTRIES = 500
# Worksheet XML deflates 5–30×; a ratio far beyond that is a bomb, not a spreadsheet.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class RowError:
    """One reason a file is refused. row 0 = the whole file, 1 = the header, n = sheet row n."""

    row: int
    column: str = ""
    message: str = ""

    @property
    def place(self) -> str:
        """文件 / 第3行 / 第3行【证件号码】"""
        if not self.row:
            return _("文件")
        name = _("第%(row)s行") % {"row": self.row}
        return f"{name}【{self.column}】" if self.column else name

    def __str__(self):
        return f"{self.place}：{self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": str(self.column), "reason": str(self.message)}

    @classmethod
    def from_dict(cls, data: dict) -> "RowError":
        return cls(int(data.get("row") or 0), data.get("column") or "", data.get("reason") or "")


class SpreadsheetRefused(Exception):
    """The whole file is refused (nothing was saved); `errors` name every reason found."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _refuse(message: str, row: int = 0, column: str = "") -> SpreadsheetRefused:
    return SpreadsheetRefused([RowError(row, column, message)])


def _size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if size is None:
        position = fileobj.tell()
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(position)
    return size


def spreadsheet_check(fileobj, *, filename: str = "") -> None:
    """Refuse, before any parsing, what is not a plain .xlsx workbook of acceptable size.
    Cheap (reads the zip's central directory only), so it runs in the request."""
    if filename and not filename.lower().endswith(".xlsx"):
        raise _refuse(_("只接受 .xlsx 格式的 Excel 文件"))
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if _size(fileobj) > limit:
        raise _refuse(_("文件超过 %(mb)s MB") % {"mb": limit // (1024 * 1024)})
    fileobj.seek(0)
    magic = fileobj.read(4)
    fileobj.seek(0)
    if magic == OLE_MAGIC:
        raise _refuse(_("这是旧版 .xls 或加密的工作簿，请另存为不加密的 .xlsx 后再上传"))
    if magic != ZIP_MAGIC:
        raise _refuse(_("不是有效的 .xlsx 文件"))
    try:
        with zipfile.ZipFile(fileobj) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
            content_types = (
                archive.read("[Content_Types].xml")
                if "[Content_Types].xml" in names
                and archive.getinfo("[Content_Types].xml").file_size < 1024 * 1024
                else b""
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refuse(_("不是有效的 .xlsx 文件（压缩包已损坏）")) from None
    finally:
        fileobj.seek(0)
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _refuse(_("文件结构异常（内部条目过多）"))
    if sum(e.file_size for e in entries) > settings.IMPORT_MAX_UNCOMPRESSED_BYTES or any(
        e.filename == "xl/sharedStrings.xml"
        and e.file_size > settings.IMPORT_MAX_SHARED_STRINGS_BYTES
        for e in entries
    ):
        raise _refuse(_("文件解压后过大，请拆分后分批导入"))
    for entry in entries:
        if (
            entry.file_size > RATIO_CHECKED_FROM_BYTES
            and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)
        ):
            raise _refuse(_("文件结构异常（压缩比异常），已拒绝"))
    if "xl/vbaProject.bin" in names or b"macroenabled" in content_types.lower():
        raise _refuse(_("不接受含宏的工作簿（.xlsm），请另存为 .xlsx"))
    if "xl/workbook.xml" not in names:
        raise _refuse(_("不是 Excel 工作簿（可能是改了扩展名的其他文件）"))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 123456.0 typed into a text column
    return str(value).replace("\x00", "").strip()


def cell_date(value) -> dt.date | None:
    """A date cell, or text like 2024-01-02, 2024/1/2, 2024.1.2 or 2024年1月2日; None when
    empty; ValueError otherwise (a number, free text, 2024-02-30)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell_text(value)
    if not text:
        return None
    match = _DATE_TEXT.match(text)
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


@dataclass
class Row:
    """One data row: a typed accessor records a RowError on a bad cell and returns None."""

    number: int
    values: dict
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, str(message)))

    def raw(self, column: str):
        return self.values.get(column)

    def text(self, column: str) -> str:
        return _cell_text(self.values.get(column))

    def date(self, column: str) -> dt.date | None:
        try:
            return cell_date(self.values.get(column))
        except ValueError:
            self.error(column, _("日期格式错误（应为 YYYY-MM-DD）"))
            return None


class Sheet:
    """The first worksheet of a checked upload, read as a stream of Rows."""

    def __init__(self, fileobj, *, required_columns: Sequence[str] = ()):
        try:
            self._workbook = load_workbook(fileobj, read_only=True, data_only=True)
            worksheet = self._workbook.worksheets[0]
            worksheet.reset_dimensions()  # a lying <dimension> must not truncate the read
            self._rows = worksheet.iter_rows(values_only=True)
            first = next(self._rows, None)
        except Exception:  # noqa: BLE001 - openpyxl/lxml raise many kinds on junk input
            self.close()
            raise _refuse(_("无法读取该工作簿，请使用模板填写")) from None
        if first is None:
            self.close()
            raise _refuse(_("文件为空"))
        self.header = [_cell_text(c) for c in first]
        missing = [c for c in required_columns if c not in self.header]
        if missing:
            self.close()
            raise _refuse(_("表头缺少列：%(cols)s") % {"cols": "、".join(missing)}, row=1)

    def rows(self) -> Iterator[Row]:
        """Non-empty data rows; past IMPORT_MAX_ROWS data rows the file is refused."""
        limit = settings.IMPORT_MAX_ROWS
        header = self.header
        number = 1
        try:
            for values in self._rows:
                number += 1
                if number - 1 > limit:
                    raise _refuse(
                        _("数据行超过 %(n)s 行，请拆分后分批导入") % {"n": limit}, row=number
                    )
                if all(v is None or v == "" for v in values):
                    continue
                yield Row(number, {header[i]: v for i, v in enumerate(values) if i < len(header)})
        except SpreadsheetRefused:
            raise
        except Exception:  # noqa: BLE001 - a malformed sheet part mid-way
            raise _refuse(_("第 %(n)s 行之后的内容无法读取") % {"n": number}) from None
        finally:
            self.close()

    def close(self) -> None:
        workbook = getattr(self, "_workbook", None)
        if workbook is not None:
            workbook.close()


def spreadsheet_open(fileobj, *, filename: str = "", required_columns=()) -> Sheet:
    """Check the upload's content, then open its first sheet for streaming."""
    spreadsheet_check(fileobj, filename=filename)
    return Sheet(fileobj, required_columns=required_columns)


def spreadsheet_rows_exceed(fileobj, limit: int) -> bool:
    """Whether the first sheet has more than `limit` non-empty data rows, reading at most that
    many (the dimension is not trusted). A file that cannot be read answers False: the import
    itself reports why."""
    sheet = None
    try:
        sheet = Sheet(fileobj)
        for seen, _row in enumerate(sheet.rows(), start=1):
            if seen > limit:
                return True
        return False
    except SpreadsheetRefused:
        return False
    finally:
        if sheet is not None:
            sheet.close()
        fileobj.seek(0)


def spreadsheet_count_rows(fileobj) -> int:
    """Non-empty data rows of a checked upload, streamed without keeping them: the exact total
    for a job's progress bar, and the row limit enforced before any row is looked at.
    Raises SpreadsheetRefused (unreadable, no header, past IMPORT_MAX_ROWS)."""
    try:
        return sum(1 for _row in Sheet(fileobj).rows())
    finally:
        fileobj.seek(0)


def spreadsheet_is_large(fileobj, *, filename: str = "") -> bool:
    """Check the upload's content (SpreadsheetRefused), then say whether it is imported by a
    Celery task instead of inside the request: by size first (no parsing at all), then by rows
    (reading at most IMPORT_ASYNC_ROWS + 1)."""
    spreadsheet_check(fileobj, filename=filename)
    if _size(fileobj) > settings.IMPORT_ASYNC_BYTES:
        return True
    return spreadsheet_rows_exceed(fileobj, settings.IMPORT_ASYNC_ROWS)


def spreadsheet_claimed_rows(fileobj) -> int:
    """The data rows a sheet's <dimension> claims: a progress bar's first estimate only."""
    try:
        worksheet = load_workbook(fileobj, read_only=True).worksheets[0]
        return max((worksheet.max_row or 1) - 1, 0)
    except Exception:  # noqa: BLE001 - a junk file is reported by the import itself
        return 0
    finally:
        fileobj.seek(0)


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
