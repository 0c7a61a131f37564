"""Indicator facts of reviews and rectifications (supervision.facts contract; domain.md §13).

Pure: the functions read only the rows' own fields and the values passed in, never the database
or the clock.

- 满意率: `review.total` and `review.satisfied` (基本满意 and better) on the review's date; a review
  removed by an upheld 申诉 gives nothing. A 追评 is a review like any other.
- 差评整改率: `rectification.due` on the limit date; `rectification.on_time` (same day) when the
  rectification reached 已整改 (or, for an unfounded review, its explanation) on or before the limit.
- 实名差评回访率: `revisit.due` on the review's date for a real-name bad review; `revisit.done`
  (same day) when at least one 回访 is logged.
An upheld 申诉 removes the review from every figure, its rectification's too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bangban.evaluations import rules, workflow
from bangban.supervision.facts import Fact

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def facts_of_review(review, *, appeal_upheld: bool, item_id: int = 0) -> list[Fact]:
    """`review.total` (+ `review.satisfied` for levels 3–5) on the review's Shanghai date;
    none when an 申诉 against it was upheld. `item_id`: the case's first catalog Item, 0 if none."""
    if appeal_upheld:
        return []
    who = {
        "institution_id": review.institution_id,
        "agent_id": review.agent_id or 0,
        "item_id": item_id or 0,
    }
    day = local_date(review.created_at)
    facts = [Fact("review.total", day, **who)]
    if rules.is_satisfied(review.level):
        facts.append(Fact("review.satisfied", day, **who))
    return facts


def facts_of_rectification(
    rect, *, review, revisits: int, appeal_upheld: bool, item_id: int = 0
) -> list[Fact]:
    """The rectification's facts: `rectification.due` on its due date, `rectification.on_time` when
    rectified (已整改 or beyond) on or before it; for a real-name review `revisit.due` on the review's
    date and `revisit.done` when `revisits` (the number of logged 回访) is at least one.
    `review` is the rectification's review (its real_name and created_at are read)."""
    if appeal_upheld:
        return []
    who = {
        "institution_id": rect.institution_id,
        "agent_id": rect.agent_id or 0,
        "item_id": item_id or 0,
    }
    facts = [Fact("rectification.due", rect.due_date, **who)]
    done = rect.status in workflow.DONE_STATUSES and rect.rectified_on is not None
    if done and rect.rectified_on <= rect.due_date:
        facts.append(Fact("rectification.on_time", rect.due_date, **who))
    if review.real_name:
        day = local_date(review.created_at)
        facts.append(Fact("revisit.due", day, **who))
        if revisits > 0:
            facts.append(Fact("revisit.done", day, **who))
    return facts
