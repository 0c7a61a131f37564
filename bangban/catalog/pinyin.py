"""Pinyin initials of item names, for the window's type-ahead ("gtgsh" finds 个体工商户设立登记).

A pure rule on `pypinyin` (its phrase dictionary picks the reading of a polyphonic character from
its word: 银行 → yh, 行政 → xz). Letters and digits in a name are kept (lower case), everything else
(brackets, punctuation) is dropped, so "食品经营许可（仅销售预包装食品）" reads "spjyxkjxsybzsp".
"""

from __future__ import annotations

from functools import lru_cache

MAX_LENGTH = 200  # ItemVersion.name is at most 200 characters: one initial each at most


def _other(text: str) -> list[str]:
    return [c.lower() for c in text if c.isascii() and c.isalnum()]


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """The first letter of each Chinese character's pinyin, plus the ASCII letters and digits.

    pypinyin is imported here, not at the top: its dictionaries take about 55 MB, which only the
    processes that save item versions or bundles need (searches read the stored initials)."""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors=_other, strict=False)
    return "".join(p for p in letters if p.isascii() and p.isalnum()).lower()[:MAX_LENGTH]
