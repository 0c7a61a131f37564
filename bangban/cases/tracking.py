"""What the public tracking page says (pure rules, no database).

The page is reached without login through the QR code on every form and the link in every SMS, so it
must never show what staff typed: timeline texts carry notes, names and phone numbers ("已电话通知王
小明（13912345678）"). Every line here is a fixed, citizen-worded sentence chosen by the event's type
and status change; the only values in it come from our own records — dates, category labels
from the code (suspension reasons) and institution names — never from free text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bangban.cases.models import Kind, Status, Suspension

# The line for a transition into each status.
ENTERED = {
    Status.CONSULTING: "已登记您的诉求",
    Status.APPLIED: "已提交办理申请",
    Status.ACCEPTED: "已受理",
    Status.ANALYSING: "已完成代办需求分析",
    Status.ENTRUSTED: "已签订代办委托书，已受理",
    Status.IN_PROGRESS: "办理中",
    Status.SUSPENDED: "已中止",
    Status.COMPLETED: "已办结",
    Status.TERMINATED: "已终止",
    Status.ARCHIVED: "已归档",
}
RESUMED = "已续办，继续办理"

# Suspension reasons the public may read, as categories; "other" is free text, so it gets none.
REASON_CATEGORIES = {
    Suspension.Reason.MATERIALS_MISSING: "材料不齐需补正",
    Suspension.Reason.APPLICANT_REQUEST: "申请人要求",
    Suspension.Reason.THIRD_PARTY: "等待第三方（检测、鉴定、公示等）",
}

NEXT_STEP = {
    (Kind.HELP, Status.CONSULTING): "如需办理，请向帮办代办员提交申请",
    (Kind.AGENCY, Status.CONSULTING): "帮办代办员将与您沟通代办需求",
    (Kind.HELP, Status.APPLIED): "等待受理",
    (Kind.AGENCY, Status.ANALYSING): "签订代办委托书后开始为您代办",
    (Kind.HELP, Status.ACCEPTED): "将在办结期限内为您办理",
    (Kind.AGENCY, Status.ENTRUSTED): "将在办结期限内为您代办",
    (Kind.HELP, Status.IN_PROGRESS): "正在办理，办结后将短信通知您",
    (Kind.AGENCY, Status.IN_PROGRESS): "正在办理，办结后将短信通知您",
    (
        Kind.AGENCY,
        Status.SUSPENDED,
    ): "中止原因消除后（如补齐材料），签订续办委托书即继续办理，剩余时限接续计算",
    (Kind.HELP, Status.COMPLETED): "请按短信通知领取办理结果及退还的材料",
    (Kind.AGENCY, Status.COMPLETED): "请按短信通知领取办理结果及退还的材料",
    (Kind.HELP, Status.TERMINATED): "办理已终止，如有疑问请联系承办机构",
    (Kind.AGENCY, Status.TERMINATED): "办理已终止，如有疑问请联系承办机构",
    (Kind.HELP, Status.ARCHIVED): "办理已结束",
    (Kind.AGENCY, Status.ARCHIVED): "办理已结束",
}


@dataclass(frozen=True)
class TrackEvent:
    """What the page may use of a timeline event (never its text)."""

    at: dt.datetime
    type: str  # CaseEvent.Type
    from_status: str = ""
    to_status: str = ""
    suspension_reason: str = ""  # a suspension: its Suspension.Reason
    transferred_to: str = ""  # an accepted transfer: the institution that took the case over
    due_before: str = ""  # a deadline change: ISO dates, "" when none
    due_after: str = ""


@dataclass(frozen=True)
class Line:
    at: dt.datetime
    text: str

    @property
    def when(self) -> str:
        """The time as the page shows it: local, to the minute (cheaper here than the template's
        date filter, which every line of every first view of a tracking link would pay)."""
        return timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")


def suspended_text(reason: str) -> str:
    category = REASON_CATEGORIES.get(reason)
    return f"已中止，原因类别：{category}" if category else ENTERED[Status.SUSPENDED]


def _date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def line_text(event: TrackEvent) -> str | None:
    """The citizen's line for one event, or None when the event is not for the public."""
    if event.type == "transition":
        if event.to_status == Status.SUSPENDED:
            return suspended_text(event.suspension_reason)
        if event.to_status == Status.IN_PROGRESS and event.from_status == Status.SUSPENDED:
            return RESUMED
        return ENTERED.get(event.to_status)
    if event.type == "transfer" and event.transferred_to:
        return f"已转由{event.transferred_to}办理"
    if (
        event.type == "deadline"
        and event.due_before
        and event.due_after
        and event.due_before != event.due_after
    ):
        # a change of a running deadline (extension); its start and pauses are in the status lines
        try:
            return f"办结期限调整为{_date(event.due_after)}"
        except ValueError:
            return None
    return None


def lines(events: list[TrackEvent]) -> list[Line]:
    out = []
    for event in events:
        text = line_text(event)
        if text is not None:
            out.append(Line(event.at, text))
    return out


def current_status(status: str, suspension_reason: str = "") -> str:
    """The citizen's wording of where the case stands now."""
    if status == Status.SUSPENDED:
        return suspended_text(suspension_reason)
    return {Status.IN_PROGRESS: "办理中", Status.CONSULTING: "已登记"}.get(status, ENTERED.get(status, ""))


def next_step(kind: str, status: str) -> str:
    return NEXT_STEP.get((kind, status), "")
