"""Emergency records rules (pure, no database): plan versions, time order of incidents, PDF check."""

from __future__ import annotations

from datetime import datetime

TITLE_MAX = 100
CONTENT_MAX = 20000
TEXT_MAX = 2000
PARTICIPANTS_MAX = 1000
DESCRIPTION_MAX = 5000
STEP_MAX = 1000
REPORTED_TO_MAX = 200
PDF_MAX_BYTES = 10 * 1024 * 1024
# No record of this platform predates it; older times are typing errors (and old zone offsets
# such as local mean time have seconds, which an ISO 8601 date-time cannot carry).
EARLIEST_YEAR = 2000

# seeds/001 §6.7: 自然灾害、社会安全、事故灾难、公共卫生、业务集中办理
TYPES = [
    ("natural", "自然灾害"),
    ("social", "社会安全"),
    ("accident", "事故灾难"),
    ("health", "公共卫生"),
    ("surge", "业务集中办理"),
]


def next_version(current: int | None) -> int:
    """The version number a new plan of a type takes: 1 for the first, then one more than the current."""
    return 1 if current is None else current + 1


def pdf_problem(head: bytes) -> str | None:
    """None when the file's first bytes are a PDF header (the extension alone proves nothing)."""
    return None if head.startswith(b"%PDF-") else "文件内容不是 PDF"


def incident_time_problem(
    started_at: datetime, ended_at: datetime | None, now: datetime, steps: list[datetime] = ()
) -> tuple[str, str] | None:
    """(field, Chinese message) when the incident's times are out of order, None when fine."""
    if started_at > now:
        return "started_at", "「发生时间」不能晚于现在"
    if started_at.year < EARLIEST_YEAR:
        return "started_at", f"「发生时间」不能早于 {EARLIEST_YEAR} 年"
    if ended_at is not None:
        if ended_at < started_at:
            return "ended_at", "「结束时间」不能早于发生时间"
        if ended_at > now:
            return "ended_at", "「结束时间」不能晚于现在"
    for at in steps:
        if at < started_at:
            return "steps", "处置措施的时间不能早于发生时间"
        if at > now or (ended_at is not None and at > ended_at):
            return "steps", "处置措施的时间不能晚于结束时间或现在"
    return None
