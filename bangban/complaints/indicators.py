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


def all_complaint_facts(chunk: int = 5000):
    """Every complaint's facts, from the raw rows, in primary-key chunks."""
    from bangban.complaints.models import Complaint

    cols = ("id", "status", "answer_due", "answered_on", "institution_id", "agent_id")
    last = 0
    while True:
        rows = list(Complaint.objects.filter(pk__gt=last).order_by("pk").only(*cols)[:chunk])
        if not rows:
            return
        for c in rows:
            yield facts_of_complaint(c)
        last = rows[-1].pk


def all_consultation_facts(chunk: int = 5000):
    """Every consultation's facts, from the raw rows, in primary-key chunks."""
    from bangban.complaints.models import Consultation

    cols = (
        "id",
        "asked_at",
        "first_answered_at",
        "answer_due",
        "institution_id",
        "answered_by_id",
        "item_id",
    )
    last = 0
    while True:
        rows = list(Consultation.objects.filter(pk__gt=last).order_by("pk").only(*cols)[:chunk])
        if not rows:
            return
        for c in rows:
            yield facts_of_consultation(c)
        last = rows[-1].pk
