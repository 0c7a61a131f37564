"""The life of a knowledge article, as one pure table. Services ask it what is allowed.

draft ──submit──▶ submitted ──publish (another person)──▶ published ──withdraw──▶ withdrawn
  ▲                  │return                                                       │edit
  └──────────────────┴─────────────────────────────────────────────────────────────┘
"""

from __future__ import annotations

DRAFT, SUBMITTED, PUBLISHED, WITHDRAWN = "draft", "submitted", "published", "withdrawn"

STATUS_LABELS = {DRAFT: "草稿", SUBMITTED: "待审核", PUBLISHED: "已发布", WITHDRAWN: "已撤回"}

# action: ({from statuses}, to status)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "edit": (frozenset({DRAFT, WITHDRAWN}), DRAFT),
    "submit": (frozenset({DRAFT}), SUBMITTED),
    "return": (frozenset({SUBMITTED}), DRAFT),
    "publish": (frozenset({SUBMITTED}), PUBLISHED),
    "withdraw": (frozenset({PUBLISHED}), WITHDRAWN),
}

ACTION_LABELS = {
    "edit": "修改",
    "submit": "提交审核",
    "return": "退回修改",
    "publish": "审核发布",
    "withdraw": "撤回",
}

# Actions the author of an article may not take on it: a second person reviews and publishes.
NOT_BY_AUTHOR = frozenset({"publish"})


def target(action: str, status: str) -> str | None:
    """The status after `action` from `status`, or None when the action is not allowed there."""
    allowed, to = TRANSITIONS.get(action, (frozenset(), None))
    return to if status in allowed else None


def allowed_actions(status: str, *, is_author: bool) -> list[str]:
    return [
        a for a in TRANSITIONS if target(a, status) is not None and not (is_author and a in NOT_BY_AUTHOR)
    ]
