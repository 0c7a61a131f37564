"""Deadline arithmetic for a case (pure: no database, no clock; domain.md §5).

The rules, precisely. Every event takes effect at the **end of its day**:

* Acceptance on day A: A is not counted; the limit runs over the working days after A.
  Due date = the N-th working day after A, N = promised limit + approved extensions.
  A 即办件 has N = 0 and is due on A itself.
* Suspension (中止) on day S: the clock ran through S, so a working day S counts as used;
  it is stopped from S+1. Working days left = N − working days used in all running periods.
* Resumption (续办) on day R: like acceptance, R itself is not counted; the days left run over the
  working days after R, so the new due date = the (days left)-th working day after R (R itself when
  0 days were left — e.g. a suspended 即办件 is due on the day it is resumed).
  The days S+1 … R are never counted. Suspending and resuming on the same day changes nothing,
  so a same-day suspension cannot be used to win a day.
* A case suspended after its due date had already passed stays overdue: the due date does not move.
* Approved extensions (延期) add working days to N whenever they were approved.

Working days used/left are given as of `today`; `left_workdays` is negative once the case has
used more than its limit. While a suspension is open the due date is unknown (`due is None`) and
`stopped` is True.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bangban.workdays.calendar import WorkCalendar

IMMEDIATE = 0  # the limit of a 即办件: due on the day of acceptance

GREEN, YELLOW, RED = "green", "yellow", "red"


@dataclass(frozen=True)
class Suspension:
    suspended: dt.date
    resumed: dt.date | None = None  # None: still suspended


@dataclass(frozen=True)
class Deadline:
    accepted: dt.date
    limit_workdays: int  # the promised limit (0 for a 即办件)
    extension_workdays: int  # approved extensions, summed
    total_workdays: int  # limit + extensions
    due: dt.date | None  # None while the clock is stopped (an open suspension)
    used_workdays: int  # as of `today`
    left_workdays: int  # total − used; negative when over the limit
    stopped: bool  # an open suspension
    suspended_since: dt.date | None
    overdue: bool  # today is after the due date

    @property
    def immediate(self) -> bool:
        return self.limit_workdays == IMMEDIATE


def _normalise(suspensions, accepted: dt.date) -> list[Suspension]:
    items = [s if isinstance(s, Suspension) else Suspension(*s) for s in suspensions]
    items.sort(key=lambda s: s.suspended)
    previous_end = accepted
    for i, s in enumerate(items):
        if s.suspended < previous_end:
            raise ValueError(f"suspension on {s.suspended} before acceptance or the previous resumption")
        if s.resumed is None:
            if i != len(items) - 1:
                raise ValueError(f"suspension on {s.suspended} is still open but a later one exists")
        elif s.resumed < s.suspended:
            raise ValueError(f"resumed on {s.resumed} before being suspended on {s.suspended}")
        else:
            previous_end = s.resumed
    return items


def compute_deadline(
    calendar: WorkCalendar,
    *,
    accepted: dt.date,
    limit_workdays: int,
    today: dt.date,
    suspensions: Iterable[Suspension | tuple[dt.date, dt.date | None]] = (),
    extensions: Iterable[int] = (),
) -> Deadline:
    """The due date and the working days used/left of a case (rules in the module docstring).

    Raises ValueError for impossible input: a negative limit or extension, a suspension before
    acceptance, overlapping suspensions, a resumption before its suspension, an open suspension
    followed by another one.
    """
    extension = 0
    for days in extensions:
        if days < 0:
            raise ValueError("an extension adds working days: it cannot be negative")
        extension += days
    if limit_workdays < 0:
        raise ValueError("the limit cannot be negative")
    total = limit_workdays + extension
    items = _normalise(suspensions, accepted)

    def counted(start: dt.date, end: dt.date) -> int:
        # Working days in (start, end], never negative.
        return calendar.workdays_between(start, end) if end > start else 0

    start, left_at_start, used = accepted, total, 0
    fixed_due: dt.date | None = None  # set when suspended while already overdue
    stopped_since: dt.date | None = None
    for s in items:
        segment_due = calendar.add_workdays(start, max(left_at_start, 0))
        if fixed_due is None and s.suspended > segment_due:
            fixed_due = segment_due
        used += counted(start, min(s.suspended, today))
        left_at_start -= counted(start, s.suspended)
        if s.resumed is None:
            stopped_since = s.suspended
            break
        start = s.resumed
    else:
        used += counted(start, today)

    if fixed_due is not None:
        due = fixed_due
    elif stopped_since is not None:
        due = None
    else:
        due = calendar.add_workdays(start, left_at_start)
    return Deadline(
        accepted=accepted,
        limit_workdays=limit_workdays,
        extension_workdays=extension,
        total_workdays=total,
        due=due,
        used_workdays=used,
        left_workdays=total - used,
        stopped=stopped_since is not None,
        suspended_since=stopped_since,
        overdue=due is not None and today > due,
    )


def colour(due: dt.date, today: dt.date, *, remaining_workdays: int, yellow_within: int = 2) -> str:
    """Supervision light (亮灯): "red" when today is past the due date, "yellow" when at most
    `yellow_within` working days are left (the due day itself has 0 left), else "green"."""
    if yellow_within < 0:
        raise ValueError("yellow_within must be ≥ 0")
    if today > due:
        return RED
    if remaining_workdays <= yellow_within:
        return YELLOW
    return GREEN


def deadline_colour(deadline: Deadline, today: dt.date, *, yellow_within: int = 2) -> str:
    """The light of a computed deadline. A stopped clock is never red unless the case was already
    overdue when suspended; it turns yellow when few working days remain for after resumption."""
    if deadline.due is None:
        return YELLOW if deadline.left_workdays <= yellow_within else GREEN
    return colour(deadline.due, today, remaining_workdays=deadline.left_workdays, yellow_within=yellow_within)
