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

from bangban.core.db.rows import placeholders
from bangban.supervision.indicators import grain_starts


@dataclass(frozen=True)
class Fact:
    metric: str  # dotted, e.g. "review.total", "review.satisfied", "case.completed_on_time"
    day: dt.date  # the day that places the record in a period (Asia/Shanghai date)
    institution_id: int  # the responsible institution (谁办理谁负责)
    agent_id: int = 0  # the responsible agent, 0 when none
    item_id: int = 0  # the catalog Item (not version) the record concerns, 0 when none


Key = tuple[int, dt.date, str, int, int]


def _key(f: Fact) -> Key:
    return (f.institution_id, f.day, f.metric, f.agent_id, f.item_id)


def difference(old: list[Fact], new: list[Fact]) -> dict[Key, int]:
    """What to add to each counter so that a record counted as `old` now counts as `new` (no zeros).
    Keys are (institution_id, day, metric, agent_id, item_id), the counter table's unique key."""
    delta: dict[Key, int] = {}
    for f in new:
        delta[_key(f)] = delta.get(_key(f), 0) + 1
    for f in old:
        delta[_key(f)] = delta.get(_key(f), 0) - 1
    return {k: n for k, n in delta.items() if n}


# One statement for both databases (SQLite ≥ 3.24 and PostgreSQL share the upsert syntax). The row
# is created or incremented atomically: two transactions adding to the same counter serialise on its
# row (PostgreSQL) or on the write lock (SQLite), the second adding to the first's committed value.
UPSERT = (
    "INSERT INTO supervision_dailyfact (institution_id, day, metric, agent_id, item_id, n) VALUES {values} "
    "ON CONFLICT (institution_id, day, metric, agent_id, item_id) "
    "DO UPDATE SET n = supervision_dailyfact.n + excluded.n"
)
ROLLUP_UPSERT = (
    "INSERT INTO supervision_rollupfact (institution_id, dim, grain, start, metric, key, n) VALUES {values} "
    "ON CONFLICT (dim, grain, institution_id, start, metric, key) "
    "DO UPDATE SET n = supervision_rollupfact.n + excluded.n"
)
MAX_ROWS_PER_STATEMENT = 500

RollupKey = tuple[int, str, str, dt.date, str, int]


def rollup(delta: dict[Key, int]) -> dict[RollupKey, int]:
    """The same counts per day ("d"), month ("m"), quarter ("q") and year ("y"), each block named by
    its first day (indicators.grain_starts), each as the institution's total (dim "t"), per agent
    ("a") and per item ("i")."""
    out: dict[RollupKey, int] = {}
    for (institution_id, day, metric, agent_id, item_id), n in delta.items():
        for grain, start in grain_starts(day):
            for dim, key in (("t", 0), ("a", agent_id), ("i", item_id)):
                k = (institution_id, dim, grain, start, metric, key)
                out[k] = out.get(k, 0) + n
    return {k: n for k, n in out.items() if n}


def _upsert(sql: str, delta: dict) -> None:
    from django.db import connection

    items = sorted(delta.items())
    for start in range(0, len(items), MAX_ROWS_PER_STATEMENT):
        chunk = items[start : start + MAX_ROWS_PER_STATEMENT]
        params: list = []
        for key, n in chunk:
            params += [*key, n]
        row = f"({placeholders(len(chunk[0][0]) + 1)})"
        with connection.cursor() as cursor:
            cursor.execute(sql.format(values=", ".join([row] * len(chunk))), params)


def add(delta: dict[Key, int]) -> None:
    """Add `delta` to the counters and their rollups, each table in key order (two transactions
    touching the same counters lock them in the same order: they wait for each other, never deadlock)."""
    _upsert(UPSERT, delta)
    _upsert(ROLLUP_UPSERT, rollup(delta))


def apply(old: list[Fact], new: list[Fact]) -> None:
    """A record that counted as `old` now counts as `new`: add the difference to the daily counters.
    Call inside the service's transaction, after its change, so the counters commit (or roll back)
    with it. `old` is [] for a new record, `new` is [] for a deleted one."""
    delta = difference(old, new)
    if delta:
        add(delta)
