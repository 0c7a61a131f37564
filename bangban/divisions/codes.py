"""GB/T 2260 administrative division codes and the statistical extension to village level (pure rules).

Codes are kept in their short form: 2 digits province, 4 city, 6 county, 9 town, 12 village.
The parent of a code is its prefix one level up, so the hierarchy needs no other column.
"""

from __future__ import annotations

LEVEL_BY_LENGTH = {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}
LENGTH_BY_LEVEL = {v: k for k, v in LEVEL_BY_LENGTH.items()}
LEVEL_NAMES = {1: "省级", 2: "地级", 3: "县级", 4: "乡级", 5: "村级"}


def level_of(code: str) -> int | None:
    if not code.isdigit():
        return None
    return LEVEL_BY_LENGTH.get(len(code))


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level is None or level == 1:
        return None
    return code[: LENGTH_BY_LEVEL[level - 1]]


def full_code(code: str) -> str:
    """The 12-digit statistical form (320505 → 320505000000)."""
    return code.ljust(12, "0")


def code_problem(code: str) -> str | None:
    if not code:
        return "区划代码不能为空"
    if not code.isdigit():
        return "区划代码只能由数字组成"
    if len(code) not in LEVEL_BY_LENGTH:
        return "区划代码长度应为 2、4、6、9 或 12 位"
    return None
