"""The 工作台's key-project section: late items of my projects (or my department's), my department's
open liaison requests, open blockers; each row links to where it is handled. A fixed number of
statements whatever the number of projects (a count and a first page per list)."""

from __future__ import annotations

from bangban.cases.dashboard import bounded_count
from bangban.projects import selectors


def project_sections(user) -> list[dict]:
    lists = selectors.workbench(user)
    if lists is None:
        return []
    section = {
        "template": "projects/_workbench.html",
        "slot": "main",
        "manages": lists["manages"],
        "liaison": lists["liaison"],
    }
    for key in ("late", "requests", "blockers"):
        rows = list(lists[key][: selectors.WORKBENCH_ROWS])
        section[key] = rows
        # The first page says it all when it is not full: no count statement then.
        section[f"{key}_count"] = (
            str(len(rows)) if len(rows) < selectors.WORKBENCH_ROWS else bounded_count(lists[key])
        )
    return [section]
