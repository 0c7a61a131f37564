"""Training rules (pure, no database): hours, exam scores, an agent's yearly totals, ledger periods."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

MAX_HOURS = Decimal("100")  # one course or session; a day of training is 8, a long course more
MAX_LEDGER_DAYS = 366
TITLE_MAX = 100
SUMMARY_MAX = 2000
PLACE_MAX = 100
TRAINER_MAX = 50


def hours_problem(value, *, label: str = "学时", ceiling: Decimal = MAX_HOURS) -> str | None:
    """A Chinese sentence when `value` is no valid number of hours (0.5 steps, 0 < h ≤ ceiling)."""
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return f"「{label}」须为数字"
    if not hours.is_finite():
        return f"「{label}」须为数字"
    if hours < 0 or hours > ceiling:
        return f"「{label}」须在 0 至 {ceiling.normalize()} 之间"
    if (hours * 2) % 1 != 0:
        return f"「{label}」以 0.5 学时为单位"
    return None


def score_problem(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return "「考试成绩」须为 0 至 100 的整数"
    if value < 0 or value > 100:
        return "「考试成绩」须为 0 至 100 的整数"
    return None


def period_problem(start: date | None, end: date | None) -> str | None:
    if start is None or end is None:
        return "请填写起止日期"
    if end < start:
        return "结束日期不能早于开始日期"
    if (end - start).days + 1 > MAX_LEDGER_DAYS:
        return f"统计期间不能超过 {MAX_LEDGER_DAYS} 天"
    return None


@dataclass(frozen=True)
class Entry:
    held_on: date
    attended: bool
    hours: Decimal
    score: int | None


@dataclass(frozen=True)
class Totals:
    sessions: int  # sessions the agent was enrolled in during the year
    attended: int
    hours: Decimal  # hours credited, attended sessions only
    average_score: Decimal | None  # over sessions with a score


def year_totals(entries: Iterable[Entry], year: int) -> Totals:
    """An agent's totals for one calendar year: only attended sessions credit hours."""
    rows = [e for e in entries if e.held_on.year == year]
    attended = [e for e in rows if e.attended]
    scores = [e.score for e in rows if e.score is not None]
    average = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1")) if scores else None
    return Totals(
        sessions=len(rows),
        attended=len(attended),
        hours=sum((e.hours for e in attended), Decimal("0")),
        average_score=average,
    )
