"""The 工作台's case parts: counts linking to their filtered lists, and what needs the agent now
(the next cases by light with their next action, transfers and joint tasks waiting).

Everything reads through cases.selectors (the one scope). The agent's own cases are counted in one
pass over their index (a few thousand at most); the other counts stop at COUNT_CAP rows.
"""

from __future__ import annotations

from django.urls import reverse

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock, services, workflow
from bangban.cases.selectors import ROW_FIELDS
from bangban.org.selectors import institution_in_scope
from bangban.workdays.selectors import get_calendar

COUNT_CAP = 1000
NEXT_CASES = 10
# The next cases are list rows (selectors.ROW_FIELDS) with what their button needs: the version its
# form posts, and what the next action's guard reads besides (the institution's path, for the scope).
NEXT_FIELDS = (*ROW_FIELDS, "version", "institution__path")
WAITING = 10
# Actions a button can take at once (no form to fill); the others open the case's action forms.
DIRECT_ACTIONS = frozenset({"apply", "accept", "start", "archive"})
# Never offered as "the next step": they are decisions, not the way forward.
NOT_NEXT = frozenset({"suspend", "terminate"})


def bounded_count(qs, cap: int | None = None) -> str:
    """The number of rows, or "1000+" beyond the cap (counted over at most cap + 1 rows)."""
    cap = cap or COUNT_CAP
    n = qs.order_by()[: cap + 1].count()
    return f"{cap}+" if n > cap else str(n)


def case_panels(user) -> list[dict]:
    """工作台 counts: new requests, my cases by traffic light, tasks on my department, transfers waiting."""
    from bangban.cases import selectors

    panels = []
    queue = reverse("cases:queue")
    if has_cap(user, Cap.CASE_HANDLE):
        panels.append(
            {
                "value": bounded_count(selectors.new_requests_for(user=user)),
                "label": "待受理的新诉求",
                "url": f"{queue}?open=1",
            }
        )
        mine = selectors.my_case_counts(user=user)
        for light, label in (
            ("red", "我的办件 · 已超期"),
            ("yellow", "我的办件 · 临近期限"),
            ("green", "我的办件 · 正常"),
        ):
            panels.append(
                {
                    "value": mine[light],
                    "label": label,
                    "url": f"{queue}?mine=1&light={light}",
                    "light": light,
                }
            )
        panels.append(
            {
                "value": mine["suspended"],
                "label": "我的办件 · 已中止",
                "url": f"{queue}?mine=1&status=suspended",
            }
        )
        panels.append(
            {
                "value": bounded_count(selectors.pending_transfers_for(user=user)),
                "label": "待接收的转办",
                "url": f"{queue}#transfers",
            }
        )
    if user.department_id:
        panels.append(
            {
                "value": bounded_count(selectors.tasks_for(user=user)),
                "label": "本部门待办联办任务",
                "url": f"{queue}#tasks",
            }
        )
    return panels


def next_action(case, user, facts: services.CaseFacts | None = None) -> str | None:
    """The step that moves `case` forward, if `user` may take it now (services.action_refusal, the
    guard every service applies, with `facts` from services.case_facts); None otherwise."""
    if not (has_cap(user, Cap.CASE_HANDLE) and institution_in_scope(user, case.institution)):
        return None
    for action in workflow.allowed_actions(case.kind, case.status):
        if action not in NOT_NEXT:
            return action if services.action_refusal(case, action, facts=facts) is None else None
    return None


def case_sections(user) -> list[dict]:
    """The 登记办件 button (top), then my next cases, transfers and joint tasks waiting (main)."""
    from bangban.cases import selectors

    sections = []
    handles = has_cap(user, Cap.CASE_HANDLE)
    if handles:
        sections.append({"template": "cases/_workbench_top.html", "slot": "top"})
    if not (handles or user.department_id):
        return sections
    rows = []
    if handles:
        calendar, today = get_calendar(), clock.today()
        cases = selectors.case_page(
            user=user, offset=0, limit=NEXT_CASES, only=NEXT_FIELDS, mine=True, open_only=True
        )
        facts = services.case_facts(cases)
        for case in cases:
            action = next_action(case, user, facts[case.pk])
            rows.append(
                {
                    "case": case,
                    "light": clock.light(case, on=today, calendar=calendar),
                    "action": action,
                    "label": workflow.ACTION_LABELS.get(action, ""),
                    "direct": action in DIRECT_ACTIONS,
                }
            )
    sections.append(
        {
            "template": "cases/_workbench.html",
            "slot": "main",
            "handles": handles,
            "rows": rows,
            "transfers": list(selectors.pending_transfers_for(user=user)[:WAITING]),
            "tasks": list(selectors.tasks_for(user=user)[:WAITING]),
        }
    )
    return sections
