"""Working days in mainland China: a pure calendar with no database (domain.md §5).

A `WorkCalendar` answers "is this date a working day?" from three layers, first match wins:

1. explicit adjusted working days (调休上班, usually a weekend) → working day;
2. explicit holidays (法定节假日 and the weekends inside a holiday block) → day off;
3. for a year whose explicit data is *complete* (seeded from `chinesecalendar` or confirmed by an
   administrator): Monday–Friday work, Saturday and Sunday off;
   for any other year, the **fallback**: weekends off plus the statutory holidays that fall on a
   fixed solar date under the 2025 revision of 《全国年节及纪念日放假办法》 — 元旦 1/1, 劳动节 5/1–5/2,
   国庆节 10/1–10/3 — and 清明节 on the 清明 solar term (computed with the package's formula,
   accurate for 1900–2100). The lunar holidays (春节 除夕–初三, 端午节, 中秋节) and the 调休 weekends
   cannot be derived from a rule, so the fallback omits them; callers must show a warning for such
   years (`unknown_years`) until an administrator enters the State Council's schedule.

Counting rules (行政许可法 §82, domain.md §5): the start day is never counted; N working days are
the N working days after it. `add_workdays(start, 0)` is `start` itself (即办件: due the same day).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)

# (month, day, name): the statutory holidays on fixed solar dates (2025 revision, in force 2025-01-01).
FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)
QINGMING = "清明节"


def _check_date(value) -> dt.date:
    # Legal deadlines are dates (conventions.md); a datetime here is a bug that would silently
    # miss every dictionary lookup, so refuse it loudly.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(value).__name__}")
    return value


def qingming(year: int) -> dt.date | None:
    """The 清明 solar term of `year` (1900–2100), from chinesecalendar's 寿星 formula."""
    if not 1900 <= year <= 2100:
        return None
    from chinese_calendar import get_solar_terms

    for day, name in get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30)):
        if name == "清明":
            return day
    return None  # pragma: no cover - the formula always yields 清明 in April


def fallback_holidays(year: int) -> dict[dt.date, str]:
    """The holidays the fallback rule knows for a year without official data: {date: name}."""
    days = {dt.date(year, month, day): name for month, day, name in FIXED_HOLIDAYS}
    if (day := qingming(year)) is not None:
        days[day] = QINGMING
    return days


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one date, for pages and the API."""

    date: dt.date
    is_workday: bool
    # "workday" (Mon–Fri), "weekend", "holiday" (explicit), "adjusted_workday" (explicit 调休),
    # "fallback_holiday" (fixed-date holiday of a year without official data)
    kind: str
    name: str = ""


class WorkCalendar:
    """Working-day arithmetic over explicit holiday/adjusted-day data plus the fallback rule.

    `holidays` and `workdays` map dates to names (e.g. 国庆节; an adjusted working day carries
    the name of the holiday it makes up for). `complete_years` are the years whose explicit data
    is complete; every other year uses the fallback (see the module docstring). Instances are
    immutable in practice and safe to share between threads.
    """

    def __init__(
        self,
        *,
        holidays: Mapping[dt.date, str] | Iterable[dt.date] = (),
        workdays: Mapping[dt.date, str] | Iterable[dt.date] = (),
        complete_years: Iterable[int] = (),
    ):
        self._holidays = {_check_date(d): n for d, n in _named(holidays).items()}
        self._workdays = {_check_date(d): n for d, n in _named(workdays).items()}
        both = set(self._holidays) & set(self._workdays)
        if both:
            raise ValueError(f"dates both holiday and working day: {sorted(both)}")
        self.complete_years = frozenset(complete_years)
        self._fallback: dict[int, dict[dt.date, str]] = {}
        # {year: [working days among the year's first k days, k = 0 … 366]}: workdays_between in
        # constant time per year spanned (a Gantt asks it for every item, spans of months).
        self._prefix: dict[int, list[int]] = {}

    @classmethod
    def from_package(cls) -> WorkCalendar:
        """The calendar exactly as the installed `chinesecalendar` package knows it."""
        from bangban.workdays.package import package_days, package_years

        holidays, workdays = {}, {}
        years = package_years()
        for year in years:
            for day, (kind, name) in package_days(year).items():
                (holidays if kind == "holiday" else workdays)[day] = name
        return cls(holidays=holidays, workdays=workdays, complete_years=years)

    # -- single days -------------------------------------------------------------------------

    def is_known_year(self, year: int) -> bool:
        return year in self.complete_years

    def fallback_days(self, year: int) -> dict[dt.date, str]:
        """Fallback holidays of `year` ({} for a complete year)."""
        if year in self.complete_years:
            return {}
        if year not in self._fallback:
            self._fallback[year] = fallback_holidays(year)
        return self._fallback[year]

    def info(self, day: dt.date) -> DayInfo:
        _check_date(day)
        if day in self._workdays:
            return DayInfo(day, True, "adjusted_workday", self._workdays[day])
        if day in self._holidays:
            return DayInfo(day, False, "holiday", self._holidays[day])
        if day.year not in self.complete_years and day in self.fallback_days(day.year):
            return DayInfo(day, False, "fallback_holiday", self.fallback_days(day.year)[day])
        if day.weekday() >= 5:
            return DayInfo(day, False, "weekend")
        return DayInfo(day, True, "workday")

    def is_workday(self, day: dt.date) -> bool:
        _check_date(day)
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        if day.year not in self.complete_years and day in self.fallback_days(day.year):
            return False
        return day.weekday() < 5

    # -- arithmetic --------------------------------------------------------------------------

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted); n=0 → `start` (即办件).

        For n ≥ 1 the result is always a working day, even when `start` is not one.
        Negative n is refused: deadlines never count backwards.
        """
        _check_date(start)
        if n < 0:
            raise ValueError("n must be ≥ 0")
        day = start
        while n:
            day += ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days d with a < d ≤ b (a not counted, b counted); 0 when a == b.

        Antisymmetric: workdays_between(b, a) == -workdays_between(a, b), so for b < a the result is
        negative; additive: between(a, b) + between(b, c) == between(a, c). For n ≥ 0,
        workdays_between(s, add_workdays(s, n)) == n.
        """
        _check_date(a), _check_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        count = self._rank(b) - self._rank(a)
        for year in range(a.year, b.year):
            count += self._year_prefix(year)[-1]
        return count

    def _year_prefix(self, year: int) -> list[int]:
        prefix = self._prefix.get(year)
        if prefix is None:
            first, days = dt.date(year, 1, 1), 366 if calendar.isleap(year) else 365
            prefix, count = [0], 0
            for k in range(days):
                count += self.is_workday(first + dt.timedelta(days=k))
                prefix.append(count)
            self._prefix[year] = prefix  # idempotent: threads racing here store equal lists
        return prefix

    def _rank(self, day: dt.date) -> int:
        """Working days from 1 January of day's year up to and including `day`."""
        return self._year_prefix(day.year)[day.timetuple().tm_yday]

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day` (== add_workdays(day, 1))."""
        return self.add_workdays(day, 1)

    def workday_on_or_after(self, day: dt.date) -> dt.date:
        """`day` itself if it is a working day, else the next one."""
        return day if self.is_workday(day) else self.next_workday(day)

    # -- coverage ----------------------------------------------------------------------------

    def unknown_years(self, start: dt.date | int, end: dt.date | int | None = None) -> list[int]:
        """Years from start to end (inclusive; dates or years) without complete data, i.e. where
        results rest on the fallback rule and a warning belongs next to them."""
        first = start if isinstance(start, int) else _check_date(start).year
        last = first if end is None else end if isinstance(end, int) else _check_date(end).year
        if last < first:
            first, last = last, first
        return [y for y in range(first, last + 1) if y not in self.complete_years]

    def special_days(self, year: int) -> dict[dt.date, DayInfo]:
        """Explicit holidays/adjusted days and fallback holidays of one year, by date."""
        out = {d: self.info(d) for d in (*self._holidays, *self._workdays) if d.year == year}
        for d in self.fallback_days(year):
            out.setdefault(d, self.info(d))
        return dict(sorted(out.items()))


def _named(days: Mapping[dt.date, str] | Iterable[dt.date]) -> dict[dt.date, str]:
    if isinstance(days, Mapping):
        return dict(days)
    return dict.fromkeys(days, "")
