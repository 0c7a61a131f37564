"""What remote help contributes to the quality indicators (domain.md §13): 远程帮办及时响应率.

Pure: each function reads only the row's own fields and its loaded window (no queries, no clock),
as the contract in bangban/supervision/facts.py requires.

远程帮办及时响应率 = calls answered within 60 seconds of being made ÷ calls whose wait has an outcome.
- A call counts `remote.calls` once it was answered or abandoned (the caller hung up or vanished while
  queued); a call still queued counts nothing yet. Abandoned calls are misses: a caller who gave up
  waiting was not answered in time.
- It counts `remote.answered_in_time` too when answered at most FIRST_RESPONSE_SECONDS after it was
  made (the time to answer of the duty page, `HelpCall.wait_seconds`).
- Dated by the day the call was made (Asia/Shanghai), attributed to the institution of the cloud
  window that answers it (谁办理谁负责), to the answering agent and to the call's item.
- A call returned to the queue (its agent disconnected) counts by the answer that follows, or as
  abandoned; its time to answer still runs from when it was made.
"""

from __future__ import annotations

import datetime as dt

from bangban.complaints.indicators import local_date
from bangban.supervision.facts import Fact

# The indicator's own rule (not a setting): changing it would need the counters rebuilt.
FIRST_RESPONSE_SECONDS = 60
METRICS = ("remote.calls", "remote.answered_in_time")


def facts_of_call(c) -> list[Fact]:
    """`c`: a HelpCall with its window loaded (status, created_at, answered_at, agent_id, item_id)."""
    answered = c.answered_at is not None
    if not answered and c.status != "abandoned":
        return []
    base = {
        "day": local_date(c.created_at),
        "institution_id": c.window.institution_id,
        "agent_id": c.agent_id or 0,
        "item_id": c.item_id or 0,
    }
    facts = [Fact("remote.calls", **base)]
    if answered and (c.answered_at - c.created_at).total_seconds() <= FIRST_RESPONSE_SECONDS:
        facts.append(Fact("remote.answered_in_time", **base))
    return facts


# --- the recomputation and the drill-down (supervision.registry) --------------------------------

COLUMNS = ("id", "status", "created_at", "answered_at", "agent_id", "item_id", "window__institution_id")


def _records(queryset, chunk: int):
    from bangban.supervision.registry import pk_chunks

    for rows in pk_chunks(queryset, chunk):
        for row in rows:
            yield row, facts_of_call(row)


def all_call_facts(chunk: int = 5000):
    """Every call's facts, from the raw rows, in primary-key chunks."""
    from bangban.remote.models import HelpCall

    qs = HelpCall.objects.select_related("window").only(*COLUMNS)
    for _, facts in _records(qs, chunk):
        yield facts


def drill_calls(ids: list[int], start: dt.date, end: dt.date):
    """The calls to windows of `ids` made in start–end (their facts are dated by that day)."""
    from bangban.remote.models import HelpCall
    from bangban.supervision.registry import day_bounds

    lo, hi = day_bounds(start, end)
    qs = HelpCall.objects.filter(
        window__institution_id__in=ids, created_at__gte=lo, created_at__lt=hi
    ).select_related("window__institution", "station", "agent", "item", "case")
    return _records(qs, 2000)


HEADERS = ("求助时间", "来源", "云窗口", "事项或诉求", "状态", "等待（秒）", "坐席", "办件")


def call_row(c) -> tuple[str, list[str]]:
    from django.urls import reverse
    from django.utils import timezone

    wait = c.wait_seconds
    return (reverse("cases:detail", args=[c.case_id]) if c.case_id else ""), [
        timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        c.station.name if c.station_id else c.get_origin_display(),
        str(c.window),
        c.item.name if c.item_id else (c.need or "—"),
        c.get_status_display(),
        "—" if wait is None else str(wait),
        c.agent.display_name if c.agent_id else "—",
        c.case.number if c.case_id else "—",
    ]
