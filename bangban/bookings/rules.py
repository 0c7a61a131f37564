"""Pure rules of booking (no database): which days get slots, what a slot template may be."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

MAX_CAPACITY = 200
MAX_WEEKS = 12


def bookable_days(today: dt.date, weeks: int, is_workday: Callable[[dt.date], bool]) -> list[dt.date]:
    """The working days from tomorrow through `weeks` weeks ahead (today is never bookable online:
    the window needs the request before the day). Weeks are bounded to MAX_WEEKS."""
    weeks = max(0, min(weeks, MAX_WEEKS))
    days = (today + dt.timedelta(days=n) for n in range(1, weeks * 7 + 1))
    return [day for day in days if is_workday(day)]


def template_problem(*, weekday, start, end, capacity) -> tuple[str, str] | None:
    """(field, Chinese message) for the first thing wrong with a slot template, or None."""
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
        return "weekday", "星期应为星期一至星期日之一"
    if not isinstance(start, dt.time):
        return "start", "请填写开始时间（如 9:00）"
    if not isinstance(end, dt.time):
        return "end", "请填写结束时间（如 10:00）"
    if end <= start:
        return "end", "结束时间应晚于开始时间"
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        return "capacity", f"可预约人数应为 1 至 {MAX_CAPACITY} 之间的整数"
    return None


def slot_label(date: dt.date, start: dt.time) -> str:
    """ "12月3日 9:00"."""
    return f"{date.month}月{date.day}日 {start.hour}:{start.minute:02d}"
