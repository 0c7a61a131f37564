"""BM25 ranking of search candidates, in Python, so the order never depends on the database.

Each database only proposes candidates (documents holding at least one query word); this module
scores them from the stored tokens and the corpus statistics. Pure: no database, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3  # a word in the title counts as three in the body


@dataclass(frozen=True)
class Doc:
    """A candidate: its tokens space-joined, as stored (counted without splitting: str.count is C)."""

    key: tuple  # (kind order, id): also the tie-breaker, ascending
    title: str
    body: str = ""


def _padded(tokens: str) -> str:
    return f" {tokens} " if tokens else ""


def _length(tokens: str) -> int:
    return tokens.count(" ") + 1 if tokens else 0


@dataclass(frozen=True)
class Stats:
    documents: int  # published articles
    tokens: int  # their tokens, all together
    df: dict[str, int]  # documents holding each word (absent: 0)

    @property
    def average_length(self) -> float:
        return self.tokens / self.documents if self.documents else 1.0


def idf(df: int, documents: int) -> float:
    """BM25's idf, floored at a small positive number so a very common word still counts a little."""
    return max(math.log(1 + (documents - df + 0.5) / (df + 0.5)), 0.01)


def score(doc: Doc, groups: list[tuple[str, ...]], stats: Stats) -> float:
    """Sum over query groups of idf × saturated weighted frequency. A group's frequency adds up its
    words (synonyms); its idf is the cautious estimate: that of its most frequent word."""
    return _score(doc, _prepared(groups, stats), stats.average_length)


def _prepared(groups: list[tuple[str, ...]], stats: Stats) -> list[tuple[tuple[str, ...], float]]:
    """Each group's padded words (" 社保卡 ", counted whole) and idf: computed once per query."""
    out = []
    for group in groups:
        df = max(stats.df.get(t, 0) for t in group)
        out.append((tuple(f" {t} " for t in group), idf(df, max(stats.documents, df))))
    return out


def _score(doc: Doc, prepared: list[tuple[tuple[str, ...], float]], average_length: float) -> float:
    title, body = _padded(doc.title), _padded(doc.body)
    length = TITLE_WEIGHT * _length(doc.title) + _length(doc.body)
    norm = K1 * (1 - B + B * length / max(average_length, 1.0))
    total = 0.0
    for words, weight in prepared:
        tf = 0
        for w in words:
            tf += TITLE_WEIGHT * title.count(w) + body.count(w)
        if tf:
            total += weight * tf * (K1 + 1) / (tf + norm)
    return total


def rank(docs: list[Doc], groups: list[tuple[str, ...]], stats: Stats) -> list[tuple[Doc, float]]:
    """Docs that match at least one group, best first; equal scores by key (ascending)."""
    prepared = _prepared(groups, stats)
    scored = [(d, round(_score(d, prepared, stats.average_length), 9)) for d in docs]
    scored = [(d, s) for d, s in scored if s > 0]
    scored.sort(key=lambda pair: (-pair[1], pair[0].key))
    return scored
