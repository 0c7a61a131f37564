from django.urls import reverse

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap


def case_panels(user) -> list[dict]:
    """工作台: new requests, my cases by traffic light, tasks on my department, transfers waiting for me."""
    from bangban.cases import selectors

    panels = []
    queue = reverse("cases:queue")
    if has_cap(user, Cap.CASE_HANDLE):
        panels.append(
            {
                "value": selectors.new_requests_for(user=user).count(),
                "label": "待受理的新诉求",
                "url": f"{queue}?open=1",
            }
        )
        mine = selectors.case_list(user=user, mine=True, open_only=True)
        for light, label in (
            ("red", "我的办件 · 已超期"),
            ("yellow", "我的办件 · 临近期限"),
            ("green", "我的办件 · 正常"),
        ):
            panels.append(
                {
                    "value": selectors.case_list(user=user, mine=True, light=light).count(),
                    "label": label,
                    "url": f"{queue}?mine=1&light={light}",
                    "light": light,
                }
            )
        panels.append(
            {
                "value": mine.filter(clock_stopped=True, status="suspended").count(),
                "label": "我的办件 · 已中止",
                "url": f"{queue}?mine=1&status=suspended",
            }
        )
        panels.append(
            {
                "value": selectors.pending_transfers_for(user=user).count(),
                "label": "待接收的转办",
                "url": f"{queue}#transfers",
            }
        )
    if user.department_id:
        panels.append(
            {
                "value": selectors.tasks_for(user=user).count(),
                "label": "本部门待办联办任务",
                "url": f"{queue}#tasks",
            }
        )
    return panels
