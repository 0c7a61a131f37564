"""The case clock: due dates in working days (via the workdays calendar) and the traffic light.

Rules (domain.md §5): the day of acceptance is not counted; 即办件 are due the same day;
suspension stops the clock — the suspension day counts, the working days left after it
continue from the day after resumption; approved extensions add working days.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone

from bangban.workdays import deadlines
from bangban.workdays.selectors import get_calendar


def today() -> date:
    return timezone.localdate()


def due_after(start: date, workdays: int) -> date:
    return get_calendar().add_workdays(start, workdays)


def workdays_left(on: date, due: date) -> int:
    """Working days after `on` up to and including `due` (0 when due today, negative when overdue)."""
    return get_calendar().workdays_between(on, due)


def light(case, on: date | None = None) -> str:
    """green / yellow / red for an open case with a running clock; '' otherwise."""
    if case.due_date is None or case.clock_stopped or not case.is_open:
        return ""
    on = on or today()
    yellow = getattr(settings, "BANGBAN_DEADLINE_YELLOW_DAYS", 2)
    remaining = workdays_left(on, case.due_date) if on <= case.due_date else -1
    return deadlines.colour(case.due_date, on, remaining_workdays=remaining, yellow_within=yellow)


LIGHT_LABELS = {"green": "正常", "yellow": "临近期限", "red": "已超期", "": ""}
