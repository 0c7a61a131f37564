"""What complaints and consultations contribute to the quality indicators (domain.md §13).

Pure: each function reads only the row's own fields (no queries, no clock), as the contract in
bangban/supervision/facts.py requires.

投诉及时处理率 = complaints whose 反馈 came within the limit ÷ complaints due for 反馈 in the period.
- A complaint is due for 反馈 on `answer_due`, fixed once at registration: the received date plus every
  step's limit in force then (受理 + 调查 + 处置 + 反馈, working days, ≤ 15), never moved afterwards. So
  the denominator is known from the first day, a complaint left unaccepted still falls due, and a
  late acceptance cannot push its own deadline.
- It counts `complaint.on_time` (same day `answer_due`) when answered on or before that date.
- Refused complaints (不予受理) are excluded from both: GB/T 36113 gives them no 反馈 step; the refusal
  with its reason is the answer, and it is recorded on the timeline.

咨询及时处理率 = consultations answered within their limit ÷ consultations registered in the period.
- `consultation.total` on the asked date (Asia/Shanghai); `consultation.on_time` on the same day when
  the first answer's date is on or before `answer_due` (window and phone: the asked date; online: one
  working day later, computed at registration with the holiday calendar and stored).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bangban.supervision.facts import Fact

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(value: dt.datetime) -> dt.date:
    """The Asia/Shanghai date of an aware datetime."""
    return value.astimezone(SHANGHAI).date()


def facts_of_complaint(c) -> list[Fact]:
    """`c`: a Complaint (or any object with status, answer_due, answered_on, institution_id, agent_id)."""
    if c.status == "rejected" or c.answer_due is None:
        return []
    base = {"day": c.answer_due, "institution_id": c.institution_id, "agent_id": c.agent_id or 0}
    facts = [Fact("complaint.due", **base)]
    if c.answered_on is not None and c.answered_on <= c.answer_due:
        facts.append(Fact("complaint.on_time", **base))
    return facts


def facts_of_consultation(c) -> list[Fact]:
    """`c`: a Consultation (asked_at, first_answered_at, answer_due, institution_id, answered_by_id, item_id)."""
    base = {
        "day": local_date(c.asked_at),
        "institution_id": c.institution_id,
        "agent_id": c.answered_by_id or 0,
        "item_id": c.item_id or 0,
    }
    facts = [Fact("consultation.total", **base)]
    if c.first_answered_at is not None and local_date(c.first_answered_at) <= c.answer_due:
        facts.append(Fact("consultation.on_time", **base))
    return facts


# --- the recomputation (supervision.registry) ---------------------------------------------------

COMPLAINT_METRICS = ("complaint.due", "complaint.on_time")
CONSULTATION_METRICS = ("consultation.total", "consultation.on_time")


def _records(queryset, classify, chunk: int):
    from bangban.supervision.registry import pk_chunks

    for rows in pk_chunks(queryset, chunk):
        for row in rows:
            yield row, classify(row)


def all_complaint_facts(chunk: int = 5000):
    """Every complaint's facts, from the raw rows, in primary-key chunks of plain rows."""
    from bangban.complaints.models import Complaint
    from bangban.supervision.registry import row_chunks

    cols = ("id", "status", "answer_due", "answered_on", "institution_id", "agent_id")
    for rows in row_chunks(Complaint.objects.all(), cols, chunk):
        yield from map(facts_of_complaint, rows)


def all_consultation_facts(chunk: int = 5000):
    """Every consultation's facts, from the raw rows, in primary-key chunks of plain rows."""
    from bangban.complaints.models import Consultation
    from bangban.supervision.registry import row_chunks

    cols = (
        "id",
        "asked_at",
        "first_answered_at",
        "answer_due",
        "institution_id",
        "answered_by_id",
        "item_id",
    )
    for rows in row_chunks(Consultation.objects.all(), cols, chunk):
        yield from map(facts_of_consultation, rows)


# --- the drill-down (supervision.registry.DrillSpec) -----------------------------------------------


def drill_complaints(ids: list[int], start: dt.date, end: dt.date):
    """The complaints of `ids` due for 反馈 in start–end (their facts are dated by answer_due)."""
    from bangban.complaints.models import Complaint

    qs = Complaint.objects.filter(institution_id__in=ids, answer_due__gte=start, answer_due__lte=end)
    return _records(qs.select_related("institution", "agent"), facts_of_complaint, 2000)


def _who(obj, agent) -> str:
    return obj.institution.name + (f" · {agent.display_name}" if agent is not None else "")


COMPLAINT_HEADERS = ("编号", "渠道", "收到时间", "状态", "反馈期限", "反馈日期", "责任")


def complaint_row(c) -> tuple[str, list[str]]:
    from django.urls import reverse
    from django.utils import timezone

    return reverse("complaints:detail", args=[c.pk]), [
        c.number,
        c.get_channel_display(),
        timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M"),
        c.get_status_display(),
        f"{c.answer_due:%Y-%m-%d}",
        f"{c.answered_on:%Y-%m-%d}" if c.answered_on else "—",
        _who(c, c.agent),
    ]


def drill_consultations(ids: list[int], start: dt.date, end: dt.date):
    """The consultations of `ids` asked in start–end (their facts are dated by that day)."""
    from bangban.complaints.models import Consultation
    from bangban.supervision.registry import day_bounds

    lo, hi = day_bounds(start, end)
    qs = Consultation.objects.filter(institution_id__in=ids, asked_at__gte=lo, asked_at__lt=hi)
    return _records(qs.select_related("institution", "answered_by"), facts_of_consultation, 2000)


CONSULTATION_HEADERS = ("咨询时间", "渠道", "事项", "答复期限", "首次答复时间", "已解决", "承办")


def consultation_row(c) -> tuple[str, list[str]]:
    from django.urls import reverse
    from django.utils import timezone

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    return reverse("complaints:consultation", args=[c.pk]), [
        when(c.asked_at),
        c.get_channel_display(),
        c.item_name or "—",
        f"{c.answer_due:%Y-%m-%d}",
        when(c.first_answered_at),
        "是" if c.resolved else "否",
        _who(c, c.answered_by),
    ]
