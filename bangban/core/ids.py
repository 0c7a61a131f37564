"""Check rules for Chinese identifiers (pure functions, no database).

- 居民身份证号, GB 11643-1999: 17 digits + check character.
- 统一社会信用代码, GB 32100-2015: 18 characters + check character as the last.
- Mainland mobile numbers: 11 digits starting with 1.
Each `*_problem` function returns None when the value is valid, else a Chinese message
naming the rule that failed; `is_valid_*` wrap them.
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_problem(value: str) -> str | None:
    v = (value or "").strip().upper()
    if len(v) != 18:
        return "身份证号应为 18 位"
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return "身份证号前 17 位应为数字，最后一位为数字或 X"
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if born.year < 1900 or born > date.today():
        return "身份证号中的出生日期无效"
    if resident_id_check_char(v[:17]) != v[17]:
        return "身份证号校验位错误（GB 11643）"
    return None


def is_valid_resident_id(value: str) -> bool:
    return resident_id_problem(value) is None


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    check = 31 - total % 31
    return CREDIT_ALPHABET[0 if check == 31 else check]


def credit_code_problem(value: str) -> str | None:
    v = (value or "").strip().upper()
    if len(v) != 18:
        return "统一社会信用代码应为 18 位"
    bad = sorted({c for c in v if c not in CREDIT_ALPHABET})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）"
    if credit_code_check_char(v[:17]) != v[17]:
        return "统一社会信用代码校验位错误（GB 32100）"
    return None


def is_valid_credit_code(value: str) -> bool:
    return credit_code_problem(value) is None


def mobile_problem(value: str) -> str | None:
    if not _MOBILE_RE.match((value or "").strip()):
        return "手机号码应为以 1 开头的 11 位数字"
    return None


def mask_phone(value: str) -> str:
    """138****5678 (a landline: 051******8888): what lists and messages show of a phone number."""
    return mask_id(value, keep_head=3, keep_tail=4)


def mask_id(value: str, keep_head: int = 4, keep_tail: int = 4) -> str:
    """3205**********1234: enough to recognise, not enough to misuse."""
    if not value:
        return ""
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]
