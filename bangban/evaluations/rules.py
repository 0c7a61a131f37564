"""Pure rules of evaluation (no database, no clock): levels, the rectification limit, lateness."""

from __future__ import annotations

import datetime as dt

LEVELS = (1, 2, 3, 4, 5)
BAD_LEVELS = (1, 2)  # 非常不满意, 不满意: open a rectification
SATISFIED_LEVELS = (3, 4, 5)  # 基本满意 and better count as satisfied (满意率)
LIMIT_MIN, LIMIT_MAX = 1, 15  # working days for 整改 (domain.md §11: locally 5–15)
INVITATION_DAYS = 30  # an SMS link expires after this many calendar days (said on the page)
REMIND_AFTER_WORKDAYS = 3


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


def is_satisfied(level: int) -> bool:
    return level in SATISFIED_LEVELS


def limit_problem(days) -> str | None:
    """Why a configured 整改 limit is unusable, or None."""
    if not isinstance(days, int) or isinstance(days, bool):
        return "整改时限应为整数个工作日"
    if not LIMIT_MIN <= days <= LIMIT_MAX:
        return f"整改时限应在 {LIMIT_MIN} 到 {LIMIT_MAX} 个工作日之间"
    return None


def is_late(*, due: dt.date, today: dt.date, rectified_on: dt.date | None) -> bool:
    """Late (red): rectified after the limit, or not rectified and the limit has passed."""
    if rectified_on is not None:
        return rectified_on > due
    return today > due
