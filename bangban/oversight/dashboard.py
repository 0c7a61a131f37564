"""工作台 panels: pending 督办单 to answer (red when late), escalated ones, answers to evaluate."""

from __future__ import annotations

from django.urls import reverse

from bangban.cases.dashboard import bounded_count
from bangban.oversight import selectors


def oversight_panels(user) -> list[dict]:
    # Counted like every 工作台 card: at most COUNT_CAP rows, "1000+" beyond.
    counts = {key: bounded_count(qs) for key, qs in selectors.pending_querysets(user=user).items()}
    url = reverse("oversight:list")
    panels = []
    if "mine" in counts:
        panels.append({"value": counts["mine"], "label": "督办 · 待答复", "url": f"{url}?box=mine"})
        panels.append(
            {
                "value": counts["mine_late"],
                "label": "督办 · 逾期未答复",
                "url": f"{url}?box=mine&late=1",
                "light": "red" if counts["mine_late"] != "0" else "",
            }
        )
    if "escalated" in counts:
        panels.append(
            {
                "value": counts["escalated"],
                "label": "督办 · 逾期升级",
                "url": f"{url}?box=escalated",
                "light": "red" if counts["escalated"] != "0" else "",
            }
        )
    if "to_evaluate" in counts:
        panels.append({"value": counts["to_evaluate"], "label": "督办 · 待评价答复", "url": f"{url}?box=all"})
    return panels
