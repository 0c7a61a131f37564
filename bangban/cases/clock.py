"""The case clock: deadlines come from the workdays calendar's single set of rules.

`deadline(case)` recomputes from the recorded facts (acceptance, promised limit, suspensions,
approved extensions) with `workdays.deadlines.compute_deadline`; services store the resulting
due date and record every change of it.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from bangban.workdays.calendar import WorkCalendar
from bangban.workdays.deadlines import Deadline, colour
from bangban.workdays.selectors import case_deadline, get_calendar, range_warnings, yellow_within


def today() -> date:
    return timezone.localdate()


def due_after(start: date, workdays: int) -> date:
    return get_calendar().add_workdays(start, workdays)


def yellow_ends(on: date) -> date:
    """The first due date still green on `on`. At most N working days are left (yellow, N being
    BANGBAN_DEADLINE_YELLOW_DAYS) exactly when the due date comes before the (N + 1)-th working day."""
    return due_after(on, yellow_within() + 1)


def deadline(case, on: date | None = None, *, suspensions: list | None = None) -> Deadline:
    """The case's deadline now; `suspensions` may be given when known (e.g. none yet at acceptance)."""
    if suspensions is None:
        suspensions = [
            (s.suspended_on, s.resumed_on) for s in case.suspensions.order_by("suspended_on", "id")
        ]
    return case_deadline(
        accepted=case.accepted_on,
        limit_workdays=0 if case.is_immediate else case.promised_days,
        suspensions=suspensions,
        extensions=[case.extension_days],
        today=on or today(),
    )


def light(case, on: date | None = None, calendar: WorkCalendar | None = None) -> str:
    """green / yellow / red for an open case with a running clock; '' otherwise.

    Lists pass one `calendar` (and `on`) for all their rows: fetching the calendar costs a cache read.
    """
    if case.due_date is None or case.clock_stopped or not case.is_open:
        return ""
    on = on or today()
    calendar = calendar or get_calendar()
    remaining = calendar.workdays_between(on, case.due_date)
    return colour(case.due_date, on, remaining_workdays=remaining, yellow_within=yellow_within())


def calendar_warnings(case) -> list[str]:
    """Warnings when the case's deadline runs into a year whose holidays are not yet published
    (shown on the case page and returned by the API's case detail)."""
    if case.accepted_on and case.due_date:
        return range_warnings(case.accepted_on, case.due_date)
    return []
