"""Reads of the working-day calendar: the shared `WorkCalendar`, warnings, deadline helpers.

`get_calendar()` builds a WorkCalendar from the database once per process and keeps it until the
calendar changes. Changes are announced through a version token in Django's cache (Redis in
production, so every app server and worker sees it; LocMem in the embedded default, which is one
process): the services replace the token when their transaction commits, and every call compares
its copy's token with the cache's (one cache read), at most once per
BANGBAN_CALENDAR_RECHECK_SECONDS (default 1 s): a hot API path then pays no cache round trip, and
another app server's change reaches this process within that second (the process that made the
change drops its copy at once). Inside a transaction that changed the calendar
and has not committed yet, the calendar is rebuilt from the database without being cached, so the
writer sees its own change and nobody else can cache it before it is committed (or rolled back).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from bangban.workdays.calendar import WorkCalendar
from bangban.workdays.deadlines import Deadline, Suspension, colour, compute_deadline, deadline_colour
from bangban.workdays.models import CalendarDay, CalendarYear

log = logging.getLogger(__name__)

VERSION_KEY = "bangban:workdays:calendar-version"

_cached: tuple[str, WorkCalendar] | None = None
_checked_at = float("-inf")  # time.monotonic() of the last token comparison


def calendar_changed() -> None:
    """Tell every process that the calendar changed (called on commit by the services)."""
    global _cached
    _cached = None
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # the cache is down: processes rebuild until it is back (see get_calendar)
        log.warning("could not publish the calendar version", exc_info=True)


def _changed_in_open_transaction() -> bool:
    # The services register `calendar_changed` with on_commit; Django drops those callbacks when
    # the (savepoint or outer) transaction rolls back, so their presence means "uncommitted change".
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        entry[1] is calendar_changed for entry in connection.run_on_commit
    )


def build_calendar() -> WorkCalendar:
    """A fresh WorkCalendar from the database (uncached)."""
    holidays, workdays = {}, {}
    for day, kind, name in CalendarDay.objects.values_list("date", "kind", "name"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays)[day] = name
    complete = CalendarYear.objects.filter(
        status__in=[CalendarYear.Status.OFFICIAL, CalendarYear.Status.EDITED]
    ).values_list("year", flat=True)
    return WorkCalendar(holidays=holidays, workdays=workdays, complete_years=complete)


def _current_token() -> str | None:
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(VERSION_KEY)
        return token
    except Exception:
        log.warning("cache unavailable: the calendar is read from the database", exc_info=True)
        return None


def get_calendar() -> WorkCalendar:
    """The platform's working-day calendar (cached in-process; see the module docstring)."""
    return calendar_with_version()[0]


def calendar_with_version() -> tuple[WorkCalendar, str | None]:
    """get_calendar() and the version token of that very calendar, for keying what is computed
    from it: the token changes with every committed change of the calendar. None when the
    calendar was built from the database without being cached (the cache is down, or this
    transaction changed the calendar and has not committed): key nothing by it then."""
    global _cached, _checked_at
    if _changed_in_open_transaction():
        return build_calendar(), None
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - _checked_at < settings.BANGBAN_CALENDAR_RECHECK_SECONDS:
        return cached[1], cached[0]
    token = _current_token()
    if token is None:
        return build_calendar(), None
    _checked_at = now
    if cached is not None and cached[0] == token:
        return cached[1], token
    # The token is read before the database: a change committed meanwhile leaves us with a copy
    # tagged with the old token, which the next call replaces.
    calendar = build_calendar()
    _cached = (token, calendar)
    return calendar, token


def year_warning(year: int) -> str:
    return (
        f"{year} 年的法定节假日安排尚未录入，暂按周末及元旦、清明节、劳动节、国庆节推算"
        f"（春节、端午节、中秋节及调休未计入），请管理员核对"
    )


def year_warnings(years: Iterable[int], *, calendar: WorkCalendar | None = None) -> list[str]:
    """Chinese warnings for those of `years` whose holiday schedule is not officially known."""
    calendar = calendar or get_calendar()
    return [year_warning(y) for y in sorted(set(years)) if not calendar.is_known_year(y)]


def range_warnings(start: dt.date, end: dt.date, *, calendar: WorkCalendar | None = None) -> list[str]:
    """Warnings for a date range (e.g. acceptance → due date)."""
    calendar = calendar or get_calendar()
    return [year_warning(y) for y in calendar.unknown_years(start, end)]


def yellow_within() -> int:
    """Working days left at or under which a case shows yellow (BANGBAN_DEADLINE_YELLOW_DAYS)."""
    return int(getattr(settings, "BANGBAN_DEADLINE_YELLOW_DAYS", 2))


def case_deadline(
    *,
    accepted: dt.date,
    limit_workdays: int,
    suspensions: Iterable[Suspension | tuple[dt.date, dt.date | None]] = (),
    extensions: Iterable[int] = (),
    today: dt.date | None = None,
) -> Deadline:
    """`deadlines.compute_deadline` on the platform calendar, as of today (Asia/Shanghai)."""
    return compute_deadline(
        get_calendar(),
        accepted=accepted,
        limit_workdays=limit_workdays,
        suspensions=suspensions,
        extensions=extensions,
        today=today or timezone.localdate(),
    )


def due_colour(due: dt.date, *, today: dt.date | None = None) -> str:
    """The light for a due date with the configured threshold (working days counted on the calendar)."""
    today = today or timezone.localdate()
    remaining = get_calendar().workdays_between(today, due)
    return colour(due, today, remaining_workdays=remaining, yellow_within=yellow_within())


def case_colour(deadline: Deadline, *, today: dt.date | None = None) -> str:
    """The light of a computed deadline (a stopped clock included) with the configured threshold."""
    return deadline_colour(deadline, today or timezone.localdate(), yellow_within=yellow_within())


def year_status(year: int) -> CalendarYear | None:
    return CalendarYear.objects.filter(year=year).first()


def year_days(year: int) -> list[CalendarDay]:
    return list(
        CalendarDay.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
        .select_related("updated_by")
        .order_by("date")
    )
