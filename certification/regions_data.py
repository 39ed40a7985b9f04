"""GB/T 2260 administrative region codes: pure code rules and CSV loading (rule D-1).

A code is six digits ``XXYYZZ``: a province is ``XX0000``, a prefecture ``XXYY00`` and a
county-level division ``XXYYZZ``. County-level divisions administered directly by the province
use ``YY == "90"`` (e.g. 仙桃市 429004) and hang under the province itself.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Container
from pathlib import Path

from django.utils.translation import gettext as _

PROVINCE = "province"
PREFECTURE = "prefecture"
COUNTY = "county"

#: ``YY`` of county-level divisions administered directly by the province (rule D-1).
PROVINCE_DIRECT_YY = "90"
#: Same as ``Region.name.max_length``.
NAME_MAX_LENGTH = 64
#: The header every region CSV starts with.
CSV_HEADER = ("code", "name")

_CODE_RE = re.compile(r"[0-9]{6}")
_DEPTH = {PROVINCE: 0, PREFECTURE: 1, COUNTY: 2}


class RegionFileError(Exception):
    """A region CSV failed validation; ``errors`` holds one message per bad row (rule D-1)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def region_level(code: str) -> str:
    """Return "province", "prefecture" or "county" for a 6-digit code (rule D-1).

    Raises ValueError for anything that is not a well-formed GB/T 2260 code.
    """
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        raise ValueError(_("代码 %(code)s 不是 6 位数字") % {"code": code})
    xx, yy, zz = code[:2], code[2:4], code[4:]
    if xx == "00":
        raise ValueError(_("代码 %(code)s 的省级部分不能是 00") % {"code": code})
    if yy == "00" and zz == "00":
        return PROVINCE
    if yy == "00":
        raise ValueError(_("代码 %(code)s 无效：县级代码的地级部分不能是 00") % {"code": code})
    if zz == "00":
        if yy == PROVINCE_DIRECT_YY:
            raise ValueError(
                _("代码 %(code)s 无效：90 只用于省直辖县级行政区划，不是地级区划") % {"code": code}
            )
        return PREFECTURE
    return COUNTY


def region_parent_code(code: str) -> str | None:
    """Return the parent's code, or None for a province (rule D-1).

    A county ``XXYYZZ`` belongs to ``XXYY00``, except ``YY == "90"`` which belongs to the
    province ``XX0000``; a prefecture belongs to its province.
    """
    level = region_level(code)
    if level == PROVINCE:
        return None
    if level == PREFECTURE or code[2:4] == PROVINCE_DIRECT_YY:
        return code[:2] + "0000"
    return code[:4] + "00"


def region_ancestry(code: str) -> list[str]:
    """Return the codes from the province down to ``code`` itself (rule D-1)."""
    chain = [code]
    parent = region_parent_code(code)
    while parent is not None:
        chain.append(parent)
        parent = region_parent_code(parent)
    return chain[::-1]


def region_path(code: str) -> str:
    """Return ``Region.path``: ancestor codes and the code itself, each followed by "/" (D-1).

    e.g. "530000/530100/530102/", so a scope query can use ``path__startswith``.
    """
    return "".join(f"{c}/" for c in region_ancestry(code))


def load_region_rows(
    path: str | Path, known_codes: Container[str] = frozenset()
) -> list[tuple[str, str]]:
    """Read and validate a ``code,name`` region CSV (rule D-1).

    Every row must have a 6-digit code, a non-empty name and a code not seen before, and each
    parent must be in the file or in ``known_codes``. All problems are collected and raised
    together as RegionFileError, naming the row (the header is row 1). On success returns
    ``(code, name)`` pairs ordered so that every parent comes before its children.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            records = list(csv.reader(fh))
    except FileNotFoundError as exc:
        raise RegionFileError([_("找不到文件 %(path)s") % {"path": path}]) from exc
    except UnicodeDecodeError as exc:
        raise RegionFileError([_("文件 %(path)s 不是 UTF-8 编码") % {"path": path}]) from exc
    except (OSError, csv.Error) as exc:
        raise RegionFileError(
            [_("无法读取文件 %(path)s：%(error)s") % {"path": path, "error": exc}]
        ) from exc

    if not records:
        raise RegionFileError(
            [_("文件 %(path)s 是空的，第 1 行应为表头 code,name") % {"path": path}]
        )
    header = tuple(cell.strip().lower() for cell in records[0])
    if header != CSV_HEADER:
        raise RegionFileError(
            [_("第 1 行：表头应为 code,name，实际为 %(header)s") % {"header": ",".join(records[0])}]
        )

    errors: list[tuple[int, str]] = []
    first_row: dict[str, int] = {}  # every well-formed code -> first row it appears on
    names: dict[str, str] = {}  # code -> name, for rows without problems

    def bad(row_no: int, message: str) -> None:
        errors.append((row_no, message))

    for row_no, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(CSV_HEADER):
            bad(
                row_no,
                _("第 %(row)d 行：应有 2 列，实际 %(n)d 列") % {"row": row_no, "n": len(record)},
            )
            continue
        code, name = record[0].strip(), record[1].strip()
        if not _CODE_RE.fullmatch(code):
            bad(
                row_no,
                _("第 %(row)d 行：代码 %(code)s 不是 6 位数字") % {"row": row_no, "code": code},
            )
            continue
        try:
            region_level(code)
        except ValueError as exc:
            bad(row_no, _("第 %(row)d 行：%(error)s") % {"row": row_no, "error": exc})
            continue
        if code in first_row:
            bad(
                row_no,
                _("第 %(row)d 行：代码 %(code)s 与第 %(first)d 行重复")
                % {"row": row_no, "code": code, "first": first_row[code]},
            )
            continue
        first_row[code] = row_no
        if not name:
            bad(
                row_no, _("第 %(row)d 行：代码 %(code)s 的名称为空") % {"row": row_no, "code": code}
            )
        elif len(name) > NAME_MAX_LENGTH:
            bad(
                row_no,
                _("第 %(row)d 行：名称超过 %(max)d 个字") % {"row": row_no, "max": NAME_MAX_LENGTH},
            )
        else:
            names[code] = name

    # A parent row with a bad name still counts as present, so one mistake is reported once.
    for code in sorted(names):
        parent = region_parent_code(code)
        if parent is None or parent in first_row or parent in known_codes:
            continue
        row_no = first_row[code]
        bad(
            row_no,
            _("第 %(row)d 行：代码 %(code)s 的上级 %(parent)s 既不在文件中，也不在已有数据中")
            % {"row": row_no, "code": code, "parent": parent},
        )

    if errors:
        errors.sort(key=lambda item: item[0])
        raise RegionFileError([msg for _row, msg in errors])

    ordered = sorted(names, key=lambda c: (_DEPTH[region_level(c)], c))
    return [(code, names[code]) for code in ordered]
