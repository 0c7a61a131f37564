"""Which steps a complaint may take, and their limits (pure rules, no database).

GB/T 36113: 受理 → 调查 → 处置 → 反馈 → 归档; at the start a complaint may instead be refused
(不予受理, with a reason). Each of the first four steps must be done within a number of WORKING days
counted from the day the step began (that day not counted): the step's due date is
`calendar.add_workdays(began, limit)`. Defaults 受理 1, 调查 5, 处置 5, 反馈 2; together at most 15.
"""

from __future__ import annotations

from bangban.complaints.models import Status

S = Status

# action → {from_status: to_status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "accept": {S.RECEIVED: S.INVESTIGATING},
    "reject": {S.RECEIVED: S.REJECTED},
    "investigate": {S.INVESTIGATING: S.HANDLING},
    "handle": {S.HANDLING: S.ANSWERING},
    "answer": {S.ANSWERING: S.ANSWERED},
    "archive": {S.ANSWERED: S.ARCHIVED},
}

ACTION_LABELS = {
    "accept": "受理",
    "reject": "不予受理",
    "investigate": "调查",
    "handle": "处置",
    "answer": "反馈",
    "archive": "归档",
}
# The timeline also shows the 督办 lines the oversight app writes (complaint_record_supervision).
STEP_LABELS = {**ACTION_LABELS, "supervise": "督办"}

# What the step's text is called on the forms, and whether it must be filled.
TEXT_LABELS = {
    "accept": ("受理意见", False),
    "reject": ("不予受理理由", True),
    "investigate": ("调查情况", True),
    "handle": ("处置情况", True),
    "answer": ("反馈内容（答复投诉人）", True),
    "archive": ("归档说明", False),
}

# The step that must be done while the complaint is in a status (the one with a limit).
STEP_OF_STATUS = {
    S.RECEIVED: "accept",
    S.INVESTIGATING: "investigate",
    S.HANDLING: "handle",
    S.ANSWERING: "answer",
}

LIMITED_STEPS = ("accept", "investigate", "handle", "answer")
DEFAULT_LIMITS = {"accept": 1, "investigate": 5, "handle": 5, "answer": 2}
MAX_TOTAL = 15


def check_limits(limits: dict[str, int]) -> dict[str, int]:
    """The four step limits, validated: each a whole number of working days ≥ 1, together ≤ 15.
    Raises ValueError (Chinese, naming the rule) otherwise; used on the setting at start-up."""
    out = {}
    for step in LIMITED_STEPS:
        value = limits.get(step, DEFAULT_LIMITS[step])
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"投诉“{ACTION_LABELS[step]}”环节时限应为不小于 1 的整数个工作日")
        out[step] = value
    if sum(out.values()) > MAX_TOTAL:
        raise ValueError(f"投诉各环节时限合计不能超过 {MAX_TOTAL} 个工作日")
    return out


def target(action: str, status: str) -> str | None:
    """The status `action` leads to from `status`, or None when not allowed."""
    return TRANSITIONS.get(action, {}).get(status)


def allowed_actions(status: str) -> list[str]:
    return [a for a in TRANSITIONS if target(a, status) is not None]


def next_step(status: str) -> str | None:
    """The limited step to be done in `status` (None once answered, archived or refused)."""
    return STEP_OF_STATUS.get(status)


def remaining_steps(status: str) -> tuple[str, ...]:
    """The limited steps still ahead in `status`, the current one first."""
    step = STEP_OF_STATUS.get(status)
    return LIMITED_STEPS[LIMITED_STEPS.index(step) :] if step else ()


def is_late(step_due, today, status: str) -> bool:
    """Red: an open complaint whose current step's due date has passed (the due day itself is in time)."""
    return status in STEP_OF_STATUS and step_due is not None and today > step_due
