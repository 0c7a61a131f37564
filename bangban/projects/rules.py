"""The rules of a key project's items (pure: no database, no clock).

* An item runs pending → running (⇄ suspended) → done (TRANSITIONS). It may start only when every
  item it depends on is done; items with nothing pending before them run in parallel (并联).
* Dependencies form no cycle: an item cannot (even indirectly) need itself.
* The plan: an item starts the day its last dependency is planned to end (the project's start when
  it has none) and ends `limit` working days later (that start day not counted, like a case).
* The critical path: the chain of items whose delay delays the project (zero slack in the plan,
  durations in working days).
* Lights: red when late, yellow when close or when it should have started, green otherwise.
* Escalation: a request or blocker climbs one rung of its ladder each time the limit of the
  current rung passes unanswered (each rung's limit counted in working days from the end of the
  previous one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from bangban.projects.models import ItemStatus

S = ItemStatus
GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_LABELS = {GREEN: "正常", YELLOW: "预警", RED: "超期"}
_RANK = {GREEN: 0, YELLOW: 1, RED: 2}

TRANSITIONS: dict[str, dict[str, str]] = {
    "start": {S.PENDING: S.RUNNING},
    "suspend": {S.RUNNING: S.SUSPENDED},
    "resume": {S.SUSPENDED: S.RUNNING},
    "complete": {S.RUNNING: S.DONE},
}
ACTION_LABELS = {"start": "启动", "suspend": "中止", "resume": "续办", "complete": "办结"}

REQUEST_LADDER = ("专职协办员", "首席协办员", "协调员")
BLOCKER_LADDER = ("专职协办员", "首席协办员", "协调员", "中心负责人")

AddWorkdays = Callable[[dt.date, int], dt.date]


def target(action: str, status: str) -> str | None:
    return TRANSITIONS.get(action, {}).get(status)


def allowed_actions(status: str) -> list[str]:
    return [a for a in TRANSITIONS if target(a, status) is not None]


def start_refusal(status: str, needed: Iterable[tuple[str, str]]) -> str | None:
    """Why an item in `status` cannot start now (Chinese), or None. `needed`: (name, status) of
    every item it depends on."""
    if target("start", status) is None:
        return "只有未开始的事项可以启动"
    waiting = [name for name, st in needed if st != S.DONE]
    if waiting:
        return "前置事项尚未办结：" + "、".join(waiting)
    return None


def creates_cycle(deps: Mapping[int, Iterable[int]], item: int, needs: int) -> bool:
    """Whether declaring "`item` needs `needs`" closes a cycle, given the existing `deps`
    (item → the items it needs)."""
    if item == needs:
        return True
    seen, stack = set(), [needs]
    while stack:
        current = stack.pop()
        if current == item:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(deps.get(current, ()))
    return False


def topological(nodes: Iterable[int], deps: Mapping[int, Iterable[int]]) -> list[int]:
    """The nodes, each after everything it needs; ValueError on a cycle or an unknown dependency."""
    nodes = list(nodes)
    known = set(nodes)
    for n in nodes:
        for d in deps.get(n, ()):
            if d not in known:
                raise ValueError(f"{n} needs unknown {d}")
    order, state = [], {}
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(sorted(deps.get(root, ()))))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif state.get(child) == 1:
                raise ValueError(f"cycle through {child}")
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(deps.get(child, ())))))
    return order


def plan(
    start: dt.date, limits: Mapping[int, int], deps: Mapping[int, Iterable[int]], add_workdays: AddWorkdays
) -> dict[int, tuple[dt.date, dt.date]]:
    """Planned (start, end) of every item: start when the last thing it needs ends."""
    out: dict[int, tuple[dt.date, dt.date]] = {}
    for n in topological(limits, deps):
        begin = max((out[d][1] for d in deps.get(n, ())), default=start)
        out[n] = (begin, add_workdays(begin, limits[n]))
    return out


def critical_path(durations: Mapping[int, int], deps: Mapping[int, Iterable[int]]) -> set[int]:
    """The items with zero slack: on a longest chain of durations through the dependencies."""
    if not durations:
        return set()
    order = topological(durations, deps)
    earliest_finish: dict[int, int] = {}
    for n in order:
        earliest_finish[n] = max((earliest_finish[d] for d in deps.get(n, ())), default=0) + durations[n]
    total = max(earliest_finish.values())
    successors: dict[int, list[int]] = {n: [] for n in order}
    for n in order:
        for d in deps.get(n, ()):
            successors[d].append(n)
    latest_finish: dict[int, int] = {}
    for n in reversed(order):
        latest_finish[n] = min((latest_finish[s] - durations[s] for s in successors[n]), default=total)
    return {n for n in order if latest_finish[n] == earliest_finish[n]}


def item_light(
    *,
    status: str,
    today: dt.date,
    due: dt.date | None = None,
    left_workdays: int | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    actual_end: dt.date | None = None,
    yellow_within: int = 2,
) -> str:
    """The light of an item.

    done: red if it ended after its due date (or, without one, after its planned end), else green.
    running/suspended: red past the due date, yellow with at most `yellow_within` working days left
    (a suspended item has no due date while stopped: its days left decide), else green.
    pending: red once its planned end has passed, yellow once its planned start has, else green.
    """
    if status == S.DONE:
        limit = due or planned_end
        return RED if (limit and actual_end and actual_end > limit) else GREEN
    if status in (S.RUNNING, S.SUSPENDED):
        if due is not None and today > due:
            return RED
        if left_workdays is not None and left_workdays <= yellow_within:
            return YELLOW
        return GREEN
    if planned_end and today > planned_end:
        return RED
    if planned_start and today > planned_start:
        return YELLOW
    return GREEN


def worst(lights: Iterable[str]) -> str:
    return max(lights, key=_RANK.__getitem__, default=GREEN)


def rung_deadlines(start: dt.date, limits: Iterable[int], add_workdays: AddWorkdays) -> list[dt.date]:
    """The day each rung's limit ends (each counted from the end of the previous rung)."""
    out, day = [], start
    for limit in limits:
        day = add_workdays(day, limit)
        out.append(day)
    return out


def escalation_level(
    start: dt.date,
    limits: Iterable[int],
    today: dt.date,
    add_workdays: AddWorkdays,
    *,
    closed_on: dt.date | None = None,
) -> int:
    """How many rungs an item raised on `start` has climbed: one for each rung deadline passed
    (before `today`, or before the day it was closed), at most len(limits)."""
    end = closed_on if closed_on is not None else today
    return sum(1 for day in rung_deadlines(start, limits, add_workdays) if end > day)
