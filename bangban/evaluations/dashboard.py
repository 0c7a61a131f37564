"""The 工作台's 好差评 counts: rectifications waiting for the station, late ones, and for supervisors
those waiting for 复核 and the 申诉 waiting for a decision. Scoped through evaluations.selectors."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases.dashboard import bounded_count
from bangban.evaluations import selectors
from bangban.evaluations.models import Appeal, RectStatus


def review_panels(user) -> list[dict]:
    panels: list[dict] = []
    if not selectors.can_read(user):
        return panels
    url = reverse("evaluations:rectifications")
    today = timezone.localdate()
    if has_cap(user, Cap.REVIEW_HANDLE):
        rects = selectors.rectification_list(user=user).filter(status__in=selectors.OPEN_RECT)
        panels.append({"value": bounded_count(rects), "label": "差评整改 · 待处理", "url": url})
        late = selectors.rectification_list(user=user, late=True, today=today).filter(
            status__in=selectors.OPEN_RECT
        )
        panels.append(
            {
                "value": bounded_count(late),
                "label": "差评整改 · 已逾期",
                "url": f"{url}?late=1",
                "light": "red",
            }
        )
    if has_cap(user, Cap.REVIEW_DECIDE):
        waiting = selectors.rectification_list(user=user, status=RectStatus.FED_BACK)
        panels.append(
            {"value": bounded_count(waiting), "label": "差评整改 · 待复核", "url": f"{url}?status=fed_back"}
        )
        appeals = selectors.review_list(user=user).filter(appeal__state=Appeal.State.PENDING)
        panels.append(
            {
                "value": bounded_count(appeals),
                "label": "评价申诉 · 待裁定",
                "url": reverse("evaluations:reviews"),
            }
        )
    return panels
