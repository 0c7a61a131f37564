"""The pure rules of project items: transitions, the start rule, cycles, plan, critical path, lights,
escalation (no database)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bangban.projects import rules
from bangban.projects.models import ItemStatus as S
from bangban.workdays.calendar import WorkCalendar

D = dt.date
CAL = WorkCalendar(holidays={D(2026, 4, 6): "清明节"}, workdays={})


def add(day, n):
    return CAL.add_workdays(day, n)


def test_every_transition_and_nothing_else():
    table = {(a, s): rules.target(a, s) for a in rules.TRANSITIONS for s in S.values}
    allowed = {k: v for k, v in table.items() if v is not None}
    assert allowed == {
        ("start", S.PENDING): S.RUNNING,
        ("suspend", S.RUNNING): S.SUSPENDED,
        ("resume", S.SUSPENDED): S.RUNNING,
        ("complete", S.RUNNING): S.DONE,
    }
    assert rules.allowed_actions(S.DONE) == []
    assert rules.target("archive", S.PENDING) is None


def test_start_waits_for_every_dependency():
    assert rules.start_refusal(S.PENDING, []) is None
    assert rules.start_refusal(S.PENDING, [("备案", S.DONE)]) is None
    refusal = rules.start_refusal(S.PENDING, [("备案", S.DONE), ("环评", S.RUNNING), ("节能", S.PENDING)])
    assert refusal == "前置事项尚未办结：环评、节能"
    assert rules.start_refusal(S.RUNNING, []) == "只有未开始的事项可以启动"


def test_cycles():
    deps = {2: {1}, 3: {2}}
    assert rules.creates_cycle(deps, 1, 3)  # 1 → 3 → 2 → 1
    assert rules.creates_cycle(deps, 1, 1)
    assert not rules.creates_cycle(deps, 3, 1)  # redundant, no cycle
    assert not rules.creates_cycle(deps, 4, 3)


@given(st.dictionaries(st.integers(0, 7), st.sets(st.integers(0, 7), max_size=3), max_size=8))
def test_adding_only_acyclic_edges_keeps_a_topological_order(raw):
    deps: dict[int, set[int]] = {n: set() for n in range(8)}
    for item, needs in raw.items():
        for n in needs:
            if not rules.creates_cycle(deps, item, n):
                deps[item].add(n)
    order = rules.topological(range(8), deps)
    pos = {n: i for i, n in enumerate(order)}
    assert all(pos[d] < pos[n] for n, ds in deps.items() for d in ds)


def test_topological_refuses_a_cycle_and_unknown_nodes():
    with pytest.raises(ValueError):
        rules.topological([1, 2], {1: {2}, 2: {1}})
    with pytest.raises(ValueError):
        rules.topological([1], {1: {9}})


def test_plan_starts_each_item_when_its_last_dependency_ends():
    # Mon 2026-03-02; 1 (3 days) and 2 (5 days) in parallel, 3 needs both (2 days).
    plan = rules.plan(D(2026, 3, 2), {1: 3, 2: 5, 3: 2}, {3: {1, 2}}, add)
    assert plan[1] == (D(2026, 3, 2), D(2026, 3, 5))
    assert plan[2] == (D(2026, 3, 2), D(2026, 3, 9))  # over the weekend
    assert plan[3] == (D(2026, 3, 9), D(2026, 3, 11))


def test_plan_skips_holidays():
    assert rules.plan(D(2026, 4, 3), {1: 1}, {}, add)[1] == (D(2026, 4, 3), D(2026, 4, 7))


def test_critical_path_is_the_longest_chain():
    #   1(3) → 3(2) → 5(1)
    #   2(5) → 3
    #   4(1) alone
    durations = {1: 3, 2: 5, 3: 2, 4: 1, 5: 1}
    deps = {3: {1, 2}, 5: {3}}
    assert rules.critical_path(durations, deps) == {2, 3, 5}
    assert rules.critical_path({1: 2, 2: 2}, {}) == {1, 2}  # two equal parallel chains
    assert rules.critical_path({}, {}) == set()


@given(st.dictionaries(st.integers(0, 6), st.integers(1, 9), min_size=1, max_size=7), st.data())
def test_critical_path_length_is_the_project_length(durations, data):
    nodes = sorted(durations)
    deps = {
        n: set(data.draw(st.sets(st.sampled_from([m for m in nodes if m < n] or [n]), max_size=2))) - {n}
        for n in nodes
    }
    crit = rules.critical_path(durations, deps)
    finish = {}
    for n in rules.topological(nodes, deps):
        finish[n] = max((finish[d] for d in deps[n]), default=0) + durations[n]
    total = max(finish.values())
    assert crit
    # The last critical item ends the project; every critical item that others need leads to one.
    assert any(finish[n] == total for n in crit)


T = D(2026, 3, 10)


@pytest.mark.parametrize(
    ("kw", "light"),
    [
        ({"status": S.PENDING}, rules.GREEN),
        ({"status": S.PENDING, "planned_start": D(2026, 3, 11), "planned_end": D(2026, 3, 20)}, rules.GREEN),
        ({"status": S.PENDING, "planned_start": T, "planned_end": D(2026, 3, 20)}, rules.GREEN),
        ({"status": S.PENDING, "planned_start": D(2026, 3, 9), "planned_end": D(2026, 3, 20)}, rules.YELLOW),
        ({"status": S.PENDING, "planned_start": D(2026, 3, 1), "planned_end": D(2026, 3, 9)}, rules.RED),
        ({"status": S.RUNNING, "due": D(2026, 3, 20), "left_workdays": 8}, rules.GREEN),
        ({"status": S.RUNNING, "due": D(2026, 3, 12), "left_workdays": 2}, rules.YELLOW),
        ({"status": S.RUNNING, "due": T, "left_workdays": 0}, rules.YELLOW),
        ({"status": S.RUNNING, "due": D(2026, 3, 9), "left_workdays": -1}, rules.RED),
        ({"status": S.SUSPENDED, "due": None, "left_workdays": 5}, rules.GREEN),
        ({"status": S.SUSPENDED, "due": None, "left_workdays": 1}, rules.YELLOW),
        ({"status": S.SUSPENDED, "due": D(2026, 3, 2), "left_workdays": -3}, rules.RED),
        ({"status": S.DONE, "due": D(2026, 3, 9), "actual_end": D(2026, 3, 9)}, rules.GREEN),
        ({"status": S.DONE, "due": D(2026, 3, 9), "actual_end": T}, rules.RED),
        ({"status": S.DONE, "planned_end": D(2026, 3, 9), "actual_end": T}, rules.RED),
    ],
)
def test_item_light(kw, light):
    assert rules.item_light(today=T, **kw) == light


def test_worst_light():
    assert rules.worst([]) == rules.GREEN
    assert rules.worst([rules.GREEN, rules.YELLOW]) == rules.YELLOW
    assert rules.worst([rules.YELLOW, rules.RED, rules.GREEN]) == rules.RED


def test_escalation_climbs_one_rung_per_passed_limit():
    sent = D(2026, 3, 2)  # Monday; request limit 1, 首席 limit 1
    limits = [1, 1]
    assert rules.rung_deadlines(sent, limits, add) == [D(2026, 3, 3), D(2026, 3, 4)]
    assert rules.escalation_level(sent, limits, D(2026, 3, 3), add) == 0  # the due day is in time
    assert rules.escalation_level(sent, limits, D(2026, 3, 4), add) == 1  # 首席协办员
    assert rules.escalation_level(sent, limits, D(2026, 3, 5), add) == 2  # 协调员
    assert rules.escalation_level(sent, limits, D(2026, 4, 5), add) == 2  # never past the ladder
    # Answered on the 4th (late): it stays at the rung it had reached then.
    assert rules.escalation_level(sent, limits, D(2026, 4, 5), add, closed_on=D(2026, 3, 4)) == 1


def test_blocker_ladder_over_a_weekend():
    raised = D(2026, 3, 5)  # Thursday; 2, 2, 3 working days
    assert rules.rung_deadlines(raised, [2, 2, 3], add) == [D(2026, 3, 9), D(2026, 3, 11), D(2026, 3, 16)]
    assert rules.escalation_level(raised, [2, 2, 3], D(2026, 3, 17), add) == 3
    assert rules.BLOCKER_LADDER[3] == "中心负责人"
