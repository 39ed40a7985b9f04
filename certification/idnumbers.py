"""D-2 identity documents and D-4 organisation codes: validation with a specific error per failure."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    HK_MACAU_PERMIT = "hk_macau", _("港澳居民居住证")
    TAIWAN_PERMIT = "taiwan", _("台湾居民居住证")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")
    PASSPORT = "passport", _("护照")
    OTHER = "other", _("其他证件")


# Types whose number follows GB 11643 (18 chars, weighted check character).
GB11643_TYPES = {IdType.RESIDENT, IdType.HK_MACAU_PERMIT, IdType.TAIWAN_PERMIT, IdType.FOREIGN_PR}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """A specific, user-facing reason an ID number is invalid. `code` is stable for tests/API."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ParsedId:
    id_type: str
    number: str  # normalised
    birth_date: dt.date | None
    gender: str | None  # "M" / "F"


def gb11643_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_id_number(id_type: str, raw: str, *, today: dt.date | None = None) -> ParsedId:
    """D-2: validate and normalise an ID number; raise IdNumberError naming what is wrong.

    Area codes are not checked against the region table: a retired code is still a valid ID.
    """
    number = (raw or "").strip().replace(" ", "").upper()
    if id_type not in IdType.values:
        raise IdNumberError("type", _("未知的证件类型"))
    if not number:
        raise IdNumberError("empty", _("请填写证件号码"))
    if id_type not in GB11643_TYPES:
        if len(number) > 32 or not re.fullmatch(r"[A-Z0-9\-]+", number):
            raise IdNumberError(
                "characters", _("证件号码只能包含字母、数字和连字符，且不超过 32 位")
            )
        return ParsedId(id_type, number, None, None)

    if len(number) != 18:
        raise IdNumberError(
            "length", _("身份证号码应为 18 位，当前为 %(n)d 位") % {"n": len(number)}
        )
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise IdNumberError("characters", _("身份证号码前 17 位须为数字，最后一位为数字或 X"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("birth_date", _("身份证号码中的出生日期不是有效日期")) from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise IdNumberError("birth_date", _("身份证号码中的出生日期不在合理范围内"))
    if number[17] != gb11643_check_char(number[:17]):
        raise IdNumberError("check_char", _("身份证号码校验位不正确，请核对后重新输入"))

    area = number[:6]
    expected_area = {
        IdType.HK_MACAU_PERMIT: ("810000", "820000"),
        IdType.TAIWAN_PERMIT: ("830000",),
    }.get(id_type)
    if expected_area and area not in expected_area:
        raise IdNumberError("area", _("居住证号码的地址码与证件类型不符"))
    if id_type == IdType.FOREIGN_PR and not number.startswith("9"):
        raise IdNumberError("area", _("外国人永久居留身份证号码应以 9 开头"))
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return ParsedId(id_type, number, birth, gender)


def mask_id_number(number: str) -> str:
    """D-3 display form: keep the first 6 and last 4 characters (110105********002X)."""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 3, 1) + number[-1:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """D-4: an 18-character unified social credit code with its GB 32100 check character."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise IdNumberError("length", _("统一社会信用代码应为 18 位"))
    if any(c not in _USCC_CHARS for c in code):
        raise IdNumberError(
            "characters", _("统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）")
        )
    if code[17] != uscc_check_char(code[:17]):
        raise IdNumberError("check_char", _("统一社会信用代码校验位不正确"))
    return code


def build_resident_id(area: str, birth: dt.date, sequence: int) -> str:
    """A checksum-valid 18-character number for demo data and tests (sequence 0–999; odd is
    male). Synthetic: it identifies nobody."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + gb11643_check_char(first17)
