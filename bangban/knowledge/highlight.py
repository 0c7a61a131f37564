"""Matched words marked with <mark>, everything else escaped. Pure."""

from __future__ import annotations

import functools
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from bangban.knowledge.text import normalize

SNIPPET_CHARS = 90
SCAN_CHARS = 3000


def _pattern(terms: list[str]) -> re.Pattern | None:
    return _compiled(tuple(sorted({t for t in terms if t}, key=lambda t: (-len(t), t))))  # longest first


@functools.lru_cache(maxsize=256)
def _compiled(words: tuple[str, ...]) -> re.Pattern | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    pattern = _pattern(terms)
    if pattern is None:
        return []
    # NFKC keeps the length for the characters that matter here (CJK, ASCII); when it would not,
    # match the original text as it is.
    folded = normalize(text)
    haystack = folded if len(folded) == len(text) else text
    return [m.span() for m in pattern.finditer(haystack)]


def mark(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with each occurrence of a term wrapped in <mark>."""
    text = text or ""
    out, at = [], 0
    for start, end in _spans(text, terms):
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> SafeString:
    """About `width` characters of `text` around its first match (or its start), marked."""
    original = text
    # Only the start of a long body is looked at: a snippet is for the eye, and NFKC over 20,000
    # characters for each of ten hits would cost more than the search.
    text = " ".join((text or "")[:SCAN_CHARS].split())
    spans = _spans(text, terms)
    start = max(spans[0][0] - width // 3, 0) if spans else 0
    end = min(start + width, len(text))
    part = text[start:end]
    # Do not cut a term in two at the edges: marks are found in the part itself.
    more = end < len(text) or len(original or "") > SCAN_CHARS
    return mark_safe(("…" if start else "") + mark(part, terms) + ("…" if more else ""))
