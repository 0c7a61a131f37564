"""The monthly assessment of an agent (seeds/001 §6.3, §7): pure rules, no database.

The composite score is a weighted mean of five component scores, each 0–100:

- 指标 (indicators): the mean of the agent's quality-indicator rates for the month (supervision's
  figures per agent; each counted indicator with records in the month counts once, capped at 100).
- 评价 (reviews): the mean of the month's reviews of the agent, 非常满意 = 100, 满意 = 75,
  基本满意 = 50, 不满意 = 25, 非常不满意 = 0 (a review removed by an upheld 申诉 is not counted).
- 投诉 (complaints): 100 less COMPLAINT_PENALTY for each complaint against the agent received in the
  month (不予受理 ones excluded), never below 0.
- 培训 (training): the mean exam score of the month's sessions the agent attended with a score.
- 主管评分 (supervisor): the supervisor's score for the month.

A component without data (no indicator records, no review, no scored training, no supervisor score)
is left out and the weights of the others are scaled up to make 100 %: an agent is not marked down
for what did not happen. The weights are configurable (settings.BANGBAN_ASSESSMENT_WEIGHTS, whole
percents summing to 100); DEFAULT_WEIGHTS below when unset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

COMPONENTS = {
    "indicators": "质量指标",
    "reviews": "群众评价",
    "complaints": "投诉情况",
    "training": "培训考试",
    "supervisor": "主管评分",
}
DEFAULT_WEIGHTS = {"indicators": 40, "reviews": 20, "complaints": 10, "training": 10, "supervisor": 20}
LEVEL_POINTS = {5: 100, 4: 75, 3: 50, 2: 25, 1: 0}
COMPLAINT_PENALTY = 20
SCORE_MIN, SCORE_MAX = 0, 100
COMMENT_MAX = 500
FIRST_YEAR, LAST_YEAR = 2000, 2100


def weights_problem(weights: Mapping[str, int]) -> str | None:
    """A Chinese sentence when `weights` is no valid weighting, else None."""
    if set(weights) != set(COMPONENTS):
        return "考核权重须包含质量指标、群众评价、投诉情况、培训考试、主管评分五项"
    for code, w in weights.items():
        if isinstance(w, bool) or not isinstance(w, int) or w < 0 or w > 100:
            return f"「{COMPONENTS[code]}」的权重须为 0 至 100 的整数"
    if sum(weights.values()) != 100:
        return "考核权重之和须为 100"
    return None


def weights() -> dict[str, int]:
    """The configured weighting (checked when read: a wrong setting fails loudly, never silently)."""
    from django.conf import settings

    w = dict(getattr(settings, "BANGBAN_ASSESSMENT_WEIGHTS", None) or DEFAULT_WEIGHTS)
    problem = weights_problem(w)
    if problem:
        raise ValueError(problem)
    return w


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def indicator_score(rates: Iterable[Decimal | None]) -> Decimal | None:
    """The mean of the rates that exist (an indicator without records gives None), each ≤ 100."""
    present = [min(Decimal(r), Decimal(100)) for r in rates if r is not None]
    return _q(sum(present, Decimal(0)) / len(present)) if present else None


def review_score(counts: Mapping[int, int]) -> Decimal | None:
    """`counts`: {level: number of reviews}; None without reviews."""
    total = sum(counts.values())
    if not total:
        return None
    points = sum(LEVEL_POINTS[level] * n for level, n in counts.items())
    return _q(Decimal(points) / total)


def complaint_score(complaints: int) -> Decimal:
    return Decimal(max(0, 100 - COMPLAINT_PENALTY * complaints)).quantize(Decimal("0.1"))


def training_score(scores: Iterable[int]) -> Decimal | None:
    scores = list(scores)
    return _q(Decimal(sum(scores)) / len(scores)) if scores else None


def composite(parts: Mapping[str, Decimal | None], weights: Mapping[str, int]) -> Decimal | None:
    """The weighted mean of the components present (not None) with their weights rescaled to 100 %;
    None when no component with a weight is present."""
    present = {c: v for c, v in parts.items() if v is not None and weights.get(c, 0) > 0}
    total_weight = sum(weights[c] for c in present)
    if not total_weight:
        return None
    return _q(sum((Decimal(v) * weights[c] for c, v in present.items()), Decimal(0)) / total_weight)


def grade(score: Decimal | None) -> str:
    """优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格; "—" without a score."""
    if score is None:
        return "—"
    if score >= 90:
        return "优秀"
    if score >= 80:
        return "良好"
    if score >= 60:
        return "合格"
    return "不合格"


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def parse_month(raw: str | None, today: dt.date) -> dt.date:
    """ "2026-03" → 2026-03-01; empty → this month. ValueError with a Chinese message otherwise."""
    if not raw:
        return today.replace(day=1)
    try:
        if len(raw) > 7:
            raise ValueError
        year, month = (int(p) for p in raw.split("-"))
        value = dt.date(year, month, 1)
    except (ValueError, TypeError, OverflowError):
        raise ValueError("「考核月份」须为 YYYY-MM 格式，如 2026-03") from None
    if not (FIRST_YEAR <= value.year <= LAST_YEAR):
        raise ValueError(f"「考核月份」须在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间")
    return value
