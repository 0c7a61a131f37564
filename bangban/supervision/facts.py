"""Indicator facts: what one record contributes to the quality indicators (domain.md §13).

Every indicator is a rate, numerator ÷ denominator, over a period and a subtree of institutions.
Each app that owns records an indicator counts (cases, reviews, complaints, consultations) writes one
pure function per record kind, `facts_of_<kind>(obj) -> list[Fact]`, which says which counters the
record adds one to, on which day, attributed to which institution, agent and item. That function
is the only statement of the indicator's rule for its records: the maintained daily counters
(incremented and decremented by the record's services in their own transaction) and the
recomputation from raw rows both call it, and tests compare the two.

A classifier reads only the object's own fields and already loaded relations (no queries, no clock):
the same row always gives the same facts, so a service can take the facts before a change and after
it and apply the difference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    metric: str  # dotted, e.g. "review.total", "review.satisfied", "case.completed_on_time"
    day: dt.date  # the day that places the record in a period (Asia/Shanghai date)
    institution_id: int  # the responsible institution (谁办理谁负责)
    agent_id: int = 0  # the responsible agent, 0 when none
    item_id: int = 0  # the catalog Item (not version) the record concerns, 0 when none
