"""督办单 rules (pure, no database): which orders may be issued, the state table, lateness.

An order is issued on a target that is late or close to it (亮灯 red or yellow: a case's light from
the cases app's clock; a complaint's from the complaints app's own lateness rule, oversight.services
complaint_light), answered by the target's handler within a limit in working days, and closed by a supervisor:
满意 closes it, 不满意 sends it back for another answer with a fresh limit. A pending order past its
limit is escalated once per round to the coordinators above the handling institution.
"""

from __future__ import annotations

from datetime import date

PENDING = "pending"
ANSWERED = "answered"
CLOSED = "closed"

DEFAULT_LIMIT_DAYS = 2
MAX_LIMIT_DAYS = 10
MAX_TEXT = 1000

# action → {from_state: to_state}
TRANSITIONS: dict[str, dict[str, str]] = {
    "answer": {PENDING: ANSWERED},
    "close": {ANSWERED: CLOSED},  # 满意
    "reopen": {ANSWERED: PENDING},  # 不满意: answer again
}

ACTION_LABELS = {"issue": "签发督办单", "answer": "答复督办", "close": "督办办结", "reopen": "督办退回重办"}

# Lights of the target that allow a 督办 (the target's app decides the light itself).
ISSUABLE_LIGHTS = frozenset({"red", "yellow"})


def target(action: str, state: str) -> str | None:
    """The state `action` leads to from `state`, or None when not allowed."""
    return TRANSITIONS.get(action, {}).get(state)


def limit_problem(days) -> str | None:
    """A Chinese sentence when `days` is no valid reply limit (1 to MAX_LIMIT_DAYS working days)."""
    if isinstance(days, bool) or not isinstance(days, int):
        return "答复时限须为整数个工作日"
    if days < 1 or days > MAX_LIMIT_DAYS:
        return f"答复时限须在 1 至 {MAX_LIMIT_DAYS} 个工作日之间"
    return None


def text_problem(label: str, text: str, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    text = (text or "").strip()
    if required and not text:
        return f"「{label}」不能为空"
    if len(text) > limit:
        return f"「{label}」不能超过 {limit} 字"
    return None


def is_late(state: str, due_date: date | None, today: date) -> bool:
    """A pending order is late from the day after its due date (the due date itself is still in time)."""
    return state == PENDING and due_date is not None and today > due_date


def needs_escalation(state: str, due_date: date | None, today: date, escalated: bool) -> bool:
    return is_late(state, due_date, today) and not escalated


def issuable(light: str, is_open: bool) -> bool:
    """Whether a target with this deadline light may receive a 督办单."""
    return is_open and light in ISSUABLE_LIGHTS
