"""Which transitions a case may take (pure rules, no database).

帮办 (Shaanxi): 咨询 → 申请 → 受理 → 承办 → 办结 → 归档.
代办 (Shaanxi; Suzhou §10.2): 服务咨询 → 需求分析 → 委托 → 承办 → (中止 ⇄ 续办) → 办结 → 归档.
终止 ends an open case early, with a reason. The clock starts at 受理 (帮办) or 委托 (代办).
"""

from __future__ import annotations

from bangban.cases.models import Kind, Status

S = Status

# action → {kind: {from_status: to_status}}
TRANSITIONS: dict[str, dict[str, dict[str, str]]] = {
    "apply": {Kind.HELP: {S.CONSULTING: S.APPLIED}},
    "accept": {Kind.HELP: {S.APPLIED: S.ACCEPTED}},
    "analyse": {Kind.AGENCY: {S.CONSULTING: S.ANALYSING}},
    "entrust": {Kind.AGENCY: {S.ANALYSING: S.ENTRUSTED}},
    "start": {Kind.HELP: {S.ACCEPTED: S.IN_PROGRESS}, Kind.AGENCY: {S.ENTRUSTED: S.IN_PROGRESS}},
    "suspend": {Kind.AGENCY: {S.IN_PROGRESS: S.SUSPENDED}},
    "resume": {Kind.AGENCY: {S.SUSPENDED: S.IN_PROGRESS}},
    "complete": {Kind.HELP: {S.IN_PROGRESS: S.COMPLETED}, Kind.AGENCY: {S.IN_PROGRESS: S.COMPLETED}},
    "terminate": {
        Kind.HELP: {s: S.TERMINATED for s in (S.CONSULTING, S.APPLIED, S.ACCEPTED, S.IN_PROGRESS)},
        Kind.AGENCY: {
            s: S.TERMINATED for s in (S.CONSULTING, S.ANALYSING, S.ENTRUSTED, S.IN_PROGRESS, S.SUSPENDED)
        },
    },
    "archive": {
        Kind.HELP: {S.COMPLETED: S.ARCHIVED, S.TERMINATED: S.ARCHIVED},
        Kind.AGENCY: {S.COMPLETED: S.ARCHIVED, S.TERMINATED: S.ARCHIVED},
    },
}

ACTION_LABELS = {
    "apply": "提交申请",
    "accept": "受理",
    "analyse": "需求分析",
    "entrust": "签订委托",
    "start": "开始承办",
    "suspend": "中止",
    "resume": "续办",
    "complete": "办结",
    "terminate": "终止",
    "archive": "归档",
}

# The first status of each kind.
INITIAL = {Kind.HELP: S.CONSULTING, Kind.AGENCY: S.CONSULTING}


def target(action: str, kind: str, status: str) -> str | None:
    """The status `action` leads to from `status`, or None when not allowed."""
    return TRANSITIONS.get(action, {}).get(kind, {}).get(status)


def allowed_actions(kind: str, status: str) -> list[str]:
    return [a for a in TRANSITIONS if target(a, kind, status) is not None]


def ever_takes(kind: str, action: str) -> bool:
    """Whether a case of `kind` may take `action` from any status (a 帮办 case is never entrusted,
    suspended or resumed): the rows only that action writes exist for no case of another kind."""
    return bool(TRANSITIONS.get(action, {}).get(kind))


def starts_clock(action: str) -> bool:
    return action in ("accept", "entrust")
