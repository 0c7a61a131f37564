"""The `chinesecalendar` package as a data source: which years it knows and their special days.

The package keeps two dicts, `holidays` (every day off inside a holiday block, weekends included)
and `workdays` (the 调休 weekends), keyed by date with an English holiday name, and raises
NotImplementedError for a year it does not know (domain.md §5). Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.metadata import PackageNotFoundError, version

HOLIDAY, WORKDAY = "holiday", "workday"

# The package's English names → the names people use (its own Chinese names are abbreviated).
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_version() -> str:
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - installed with the project
        return ""


def _chinese(name: str) -> str:
    if name in NAMES:
        return NAMES[name]
    from chinese_calendar import Holiday

    try:
        return Holiday(name).chinese
    except ValueError:
        return name


def knows_year(year: int) -> bool:
    """Whether the package has the official schedule of `year` (it raises for other years)."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def package_years() -> tuple[int, ...]:
    import chinese_calendar

    candidates = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return tuple(y for y in range(min(candidates), max(candidates) + 1) if knows_year(y))


def package_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """{date: (HOLIDAY or WORKDAY, Chinese name)} for a year the package knows.

    Raises NotImplementedError, like the package, for a year it does not know.
    """
    import chinese_calendar

    if not knows_year(year):
        raise NotImplementedError(f"chinesecalendar has no data for {year}")
    days = {d: (HOLIDAY, _chinese(n)) for d, n in chinese_calendar.holidays.items() if d.year == year}
    days.update({d: (WORKDAY, _chinese(n)) for d, n in chinese_calendar.workdays.items() if d.year == year})
    return days
