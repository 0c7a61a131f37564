"""Which steps a rectification (差评整改) may take (pure rules, no database).

待核实 → 核实 (属实/部分属实) → 整改中 → 整改 → 已整改 → 反馈 → 已反馈 → 复核通过 → 已办结
                                                              ↘ 复核退回 → 整改中
待核实 → 核实不属实 (说明) → 已整改（待反馈） → …
A real-name review's rectification cannot leave 待核实 without a logged 回访 (services check it).
"""

from __future__ import annotations

from bangban.evaluations.models import RectStatus

S = RectStatus

# action → {from_status: to_status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "verify": {S.PENDING: S.RECTIFYING},  # finding 属实 / 部分属实
    "dismiss": {S.PENDING: S.RECTIFIED},  # finding 不属实: explained instead of rectified
    "rectify": {S.RECTIFYING: S.RECTIFIED},
    "feedback": {S.RECTIFIED: S.FED_BACK},
    "approve": {S.FED_BACK: S.CLOSED},
    "send_back": {S.FED_BACK: S.RECTIFYING},
}

ACTION_LABELS = {
    "verify": "核实（属实）",
    "dismiss": "核实（不属实）",
    "rectify": "整改完成",
    "feedback": "反馈",
    "approve": "复核通过",
    "send_back": "复核退回",
}

# Steps that need the supervisor's capability (REVIEW_DECIDE); the others the handler's (REVIEW_HANDLE).
SUPERVISOR_ACTIONS = frozenset({"approve", "send_back"})
# Steps that leave 待核实: a real-name review needs a logged 回访 first.
LEAVE_PENDING = frozenset({"verify", "dismiss"})
DONE_STATUSES = (S.RECTIFIED, S.FED_BACK, S.CLOSED)  # 已整改 or beyond


def target(action: str, status: str) -> str | None:
    """The status `action` leads to from `status`, or None when not allowed."""
    return TRANSITIONS.get(action, {}).get(status)


def allowed_actions(status: str) -> list[str]:
    return [a for a in TRANSITIONS if target(a, status) is not None]


def needs_revisit(action: str, *, real_name: bool, revisits: int) -> bool:
    """True when `action` must wait for a logged 回访 (real-name reviews, leaving 待核实)."""
    return action in LEAVE_PENDING and real_name and revisits == 0
