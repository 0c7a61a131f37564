"""The quality indicators (domain.md §13) as plain data, and their pure rules: rate, periods.

Each indicator is a rate numerator ÷ denominator over a period and a subtree of institutions.
Counted indicators name two metrics of the daily counters (supervision.facts); the live one
(信息公开率) is a snapshot of the catalog computed by supervision.selectors. Nothing here reads
the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str  # domain.md §13, shown on the page
    numerator: str  # metric ("" for a live indicator)
    denominator: str
    default_target: Decimal  # percent
    numerator_label: str
    denominator_label: str
    higher_is_better: bool = True
    live: bool = False  # computed from the current catalog, not from the counters
    # Every counted figure drills down to its records: the kind registered for its metrics
    # (supervision.registry) finds them and classifies them with its own classifier.


D = Decimal
INDICATOR_LIST = (
    Indicator(
        "on_time", "按时办结率",
        "期内办结的办件中，办结日期不晚于办结期限的比例（终止的办件和无期限的办件不计入）。",
        "case.completed_on_time", "case.completed", D(100), "按时办结", "办结（有期限）",
    ),
    Indicator(
        "satisfaction", "满意率",
        "期内评价中“非常满意”“满意”“基本满意”所占比例（申诉成立被剔除的评价不计入）。",
        "review.satisfied", "review.total", D(95), "满意评价", "全部评价",
    ),
    Indicator(
        "consultation", "咨询及时处理率",
        "期内登记的咨询中，在时限内答复的比例。",
        "consultation.on_time", "consultation.total", D(100), "按时答复", "登记咨询",
    ),
    Indicator(
        "complaint", "投诉及时处理率",
        "期内应反馈的投诉中，在时限内反馈的比例。",
        "complaint.on_time", "complaint.due", D(100), "按时反馈", "应反馈投诉",
    ),
    Indicator(
        "response", "响应率",
        "期内的诉求（窗口登记、网上申请、电话求助等）中，在响应时限内首次响应的比例：窗口、电话登记即时响应，"
        "网上和上门诉求须在 1 个工作日内首次办理。",
        "case.responded", "case.request", D(100), "按时响应", "诉求",
    ),
    Indicator(
        "resolution", "解决率",
        "期内办结的办件 ÷ 期内结束（办结 + 终止）的办件。",
        "case.resolved", "case.closed", D(90), "办结", "办结与终止",
    ),
    Indicator(
        "rectification", "差评整改率",
        "整改期限落在期内的差评中，在期限内整改完成的比例。",
        "rectification.on_time", "rectification.due", D(100), "按期整改", "应整改差评",
    ),
    Indicator(
        "revisit", "实名差评回访率",
        "期内实名差评中，已记录回访的比例。",
        "revisit.done", "revisit.due", D(100), "已回访", "实名差评",
    ),
    Indicator(
        "disclosure", "信息公开率",
        "清单所列、当前有效的事项中，办事指南完整（服务对象、申请条件、申请材料、办理流程、办理地点和时间、"
        "到现场次数、网办深度、中介服务、数量限制、收费项目、办理结果、送达方式、设定依据、咨询和监督投诉电话"
        "均已填写或标明不适用）的比例；反映所选期末的事项目录。",
        "", "", D(100), "指南完整", "清单事项", live=True,
    ),
    Indicator(
        "records", "记录完整率",
        "期内结束（办结或终止）的办件中，有帮办代办日志、相应表单，且办结的办件已发出评价邀请或已有评价（固定电话无法"
        "短信邀评的，纸质、电话或窗口评价同样计入；终止的办件不发评价邀请，不作此要求）的比例。",
        "case.record_complete", "case.closed", D(100), "记录完整", "结束办件",
    ),
    Indicator(
        "remote_response", "远程帮办及时响应率",
        "期内发起、已有结果的远程帮办求助（已接听，或排队时放弃）中，自发起起 60 秒内被坐席接听的比例；"
        "排队时挂断或断线放弃的求助计为未及时响应，仍在排队的求助暂不计入。按接听的云窗口所属机构统计，"
        "退回队列后再次接听的求助按最后一次接听计算等待时间。",
        "remote.answered_in_time", "remote.calls", D(90), "60 秒内接听", "已接听和放弃的求助",
    ),
)  # fmt: skip
INDICATORS = {i.code: i for i in INDICATOR_LIST}
METRICS = tuple(sorted({m for i in INDICATOR_LIST for m in (i.numerator, i.denominator) if m}))


def rate(num: int | None, den: int | None) -> Decimal | None:
    """The rate in percent; None for an empty (or unknown) denominator, shown "—", never 0 or 100 %."""
    if not den or num is None:
        return None
    return Decimal(num) * 100 / Decimal(den)


def rate_display(value: Decimal | None) -> str:
    """One decimal, rounded down: 99.96 % shows 99.9 %, never a 100.0 % that misses a 100 % target."""
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_FLOOR)}%"


def below_target(value: Decimal | None, target: Decimal, *, higher_is_better: bool = True) -> bool:
    if value is None:
        return False
    return value < target if higher_is_better else value > target


@lru_cache(maxsize=16384)
def figures(
    num: int | None, den: int | None, target: Decimal, higher_is_better: bool
) -> tuple[Decimal | None, str, bool]:
    """(rate, its display, below the target) of num ÷ den: the three rules above, remembered. An answer
    grouped by agent or item has thousands of cells, mostly of small counts that repeat, and the
    Decimal arithmetic cost more than the rest of a cell; the values are immutable, so a remembered
    one is the same as a new one."""
    value = rate(num, den)
    return value, rate_display(value), below_target(value, target, higher_is_better=higher_is_better)


PRESETS = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "year": "年", "range": "自定义"}


def period(preset: str, on: dt.date) -> tuple[dt.date, dt.date]:
    """The day / week (Monday–Sunday) / month / quarter / year containing `on`."""
    if preset == "day":
        return on, on
    if preset == "week":
        start = on - dt.timedelta(days=on.weekday())
        return start, start + dt.timedelta(days=6)
    if preset == "month":
        return on.replace(day=1), _month_end(on.year, on.month)
    if preset == "quarter":
        first = 3 * ((on.month - 1) // 3) + 1
        return dt.date(on.year, first, 1), _month_end(on.year, first + 2)
    if preset == "year":
        return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    raise ValueError(f"unknown period preset {preset!r}")


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def months_between(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months overlapping start–end, each clipped to the range (the trend chart)."""
    out = []
    cur = start.replace(day=1)
    while cur <= end:
        last = _month_end(cur.year, cur.month)
        out.append((max(cur, start), min(last, end)))
        cur = last + dt.timedelta(days=1)
    return out


FIRST_YEAR, LAST_YEAR = 2000, 2100


def resolve_period(
    preset: str | None, on: dt.date | None, start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The period a query asks for: a preset around `on` (default today; default preset month), or
    "range" from start to end (both needed). ValueError(field, message) when it cannot be read."""
    for name, value in (("on", on), ("start", start), ("end", end)):
        if value is not None and not (FIRST_YEAR <= value.year <= LAST_YEAR):
            raise ValueError(name, f"日期须在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间")
    preset = preset or ("range" if start or end else "month")
    if preset not in PRESETS:
        raise ValueError("preset", "统计周期只能是日、周、月、季度、年或自定义")
    if preset == "range":
        if start is None or end is None:
            raise ValueError("start", "自定义期间须填写开始日期和结束日期")
        return start, end
    return period(preset, on or today)


# The grains of the rollup counters (RollupFact.Grain): each counts the days of one calendar block,
# named by its first day.
GRAINS = ("d", "m", "q", "y")
_COARSE = ("y", "q", "m")  # coarsest first; what no whole block covers is read as days
_DAY = dt.timedelta(days=1)


def grain_start(grain: str, day: dt.date) -> dt.date:
    """The first day of the day ("d"), month ("m"), quarter ("q") or year ("y") containing `day`."""
    if grain == "d":
        return day
    if grain == "m":
        return day.replace(day=1)
    if grain == "q":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "y":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


@lru_cache(maxsize=4096)
def grain_starts(day: dt.date) -> tuple[tuple[str, dt.date], ...]:
    """((grain, its block's first day), …) for every grain: the rollup rows a day's count goes to."""
    return tuple((g, grain_start(g, day)) for g in GRAINS)


def _grain_end(grain: str, first: dt.date) -> dt.date:
    if grain == "m":
        return _month_end(first.year, first.month)
    if grain == "q":
        return _month_end(first.year, first.month + 2)
    return dt.date(first.year, 12, 31)


def split_period(start: dt.date, end: dt.date, coarsest: str = "y") -> list[tuple[str, dt.date, dt.date]]:
    """start–end as parts (grain, first day of its first block, first day of its last block): the whole
    years inside it as years, the whole quarters beside them as quarters, then whole months, then the
    days at either end. Together they cover every day of the period exactly once. `coarsest` ("y", "q"
    or "m"): no coarser grain is used (the trend asks for months)."""
    return _split(start, end, _COARSE[_COARSE.index(coarsest) :])


def _split(start: dt.date, end: dt.date, grains: tuple[str, ...]) -> list[tuple[str, dt.date, dt.date]]:
    if not grains:
        return [("d", start, end)]
    grain, finer = grains[0], grains[1:]
    first = grain_start(grain, start)
    if first < start:  # start is inside a block: the whole blocks begin with the next one
        first = _grain_end(grain, first) + _DAY
    last = grain_start(grain, end)
    if _grain_end(grain, last) > end:  # end is inside a block: the whole blocks end with the one before
        last = grain_start(grain, last - _DAY)
    if first > last:
        return _split(start, end, finer)
    parts = _split(start, first - _DAY, finer) if start < first else []
    parts.append((grain, first, last))
    after = _grain_end(grain, last) + _DAY
    if after <= end:
        parts += _split(after, end, finer)
    return parts
