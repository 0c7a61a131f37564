"""工作台 counts: complaints past their step limit, complaints open, consultations waiting for an answer."""

from __future__ import annotations

from django.urls import reverse

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases.dashboard import bounded_count


def complaint_panels(user) -> list[dict]:
    from bangban.complaints import selectors
    from bangban.complaints.models import OPEN_STATUSES

    panels = []
    if has_cap(user, Cap.COMPLAINT_HANDLE):
        url = reverse("complaints:list")
        late = selectors.complaint_list(user=user, late=True)
        panels.append(
            {"value": bounded_count(late), "label": "投诉 · 已超期", "url": f"{url}?late=1", "light": "red"}
        )
        open_ = selectors.complaint_list(user=user).filter(status__in=OPEN_STATUSES)
        panels.append({"value": bounded_count(open_), "label": "投诉 · 办理中", "url": url})
    if has_cap(user, Cap.CONSULTATION_HANDLE):
        waiting = selectors.consultation_list(user=user, unanswered=True)
        panels.append(
            {
                "value": bounded_count(waiting),
                "label": "咨询 · 待答复",
                "url": reverse("complaints:consultations"),
            }
        )
    return panels
