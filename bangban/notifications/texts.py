"""The SMS texts sent to applicants, one per event, kept short.

One SMS segment holds 70 Chinese characters; the templates fit in one segment for ordinary case
numbers and item names (long item names and reasons are shortened with "…"), and the tracking
link is the only part that may push a message into a second segment.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from bangban.notifications.models import Message

SEGMENT = 70
ITEM_MAX = 16
REASON_MAX = 20
PLACE_MAX = 16

TEMPLATES = {
    Message.Event.ACCEPTED: "您的办件{no}（{item}）已受理，承诺{due}前办结。",
    Message.Event.SUSPENDED: "您的办件{no}（{item}）已中止办理，原因：{reason}。",
    Message.Event.RESUMED: "您的办件{no}（{item}）已续办，承诺{due}前办结。",
    Message.Event.TRANSFERRED: "您的办件{no}（{item}）已转至{institution}办理。",
    Message.Event.COMPLETED: "您的办件{no}（{item}）已办结{reason}。",
    Message.Event.TERMINATED: "您的办件{no}（{item}）已终止办理，原因：{reason}。",
    Message.Event.OTHER: "您的办件{no}（{item}）有新进展{reason}。",
}


def _short(value: str, limit: int) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "规定时限"


def signature() -> str:
    return getattr(settings, "BANGBAN_SMS_SIGNATURE", "【帮办代办】")


def sms_text(
    event: str,
    *,
    case_no: str,
    item: str,
    institution: str = "",
    due: dt.date | None = None,
    reason: str = "",
    url: str = "",
) -> str:
    """The Chinese SMS for `event` (a Message.Event value) about one case.

    `due` is the promised date (accepted, resumed); `reason` the reason (suspended, terminated) or a
    short result (completed, other); `institution` where a transferred case went; `url` the public
    tracking page. Example: "【帮办代办】您的办件BB2025000123（个体工商户设立登记）已受理，承诺2025年10月14日前办结。
    查询：https://…".
    """
    if event not in TEMPLATES:
        raise ValueError(f"unknown SMS event {event!r}")
    reason = _short(reason, REASON_MAX)
    if event in (Message.Event.COMPLETED, Message.Event.OTHER):
        reason = f"：{reason}" if reason else ""
    elif not reason:
        reason = "详询承办人员"
    body = TEMPLATES[event].format(
        no=case_no,
        item=_short(item, ITEM_MAX),
        due=_date(due),
        reason=reason,
        institution=_short(institution, PLACE_MAX) or "其他机构",
    )
    text = signature() + body
    if url:
        text += f"查询：{url}"
    return text
