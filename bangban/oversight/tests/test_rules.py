import datetime

import pytest

from bangban.oversight import rules

D = datetime.date


@pytest.mark.parametrize(
    "action,state,to",
    [
        ("answer", "pending", "answered"),
        ("answer", "answered", None),
        ("answer", "closed", None),
        ("close", "answered", "closed"),
        ("close", "pending", None),
        ("close", "closed", None),
        ("reopen", "answered", "pending"),
        ("reopen", "pending", None),
        ("reopen", "closed", None),
        ("unknown", "pending", None),
    ],
)
def test_state_table(action, state, to):
    assert rules.target(action, state) == to


@pytest.mark.parametrize(
    "days,ok",
    [(1, True), (2, True), (10, True), (0, False), (11, False), (-1, False), (True, False), ("2", False)],
)
def test_limit(days, ok):
    assert (rules.limit_problem(days) is None) is ok


def test_limit_messages_are_chinese():
    assert rules.limit_problem(11) == "答复时限须在 1 至 10 个工作日之间"


def test_text_rules():
    assert rules.text_problem("督办要求", "  ") == "「督办要求」不能为空"
    assert rules.text_problem("督办要求", "", required=False) is None
    assert rules.text_problem("督办要求", "字" * 1000) is None
    assert rules.text_problem("督办要求", "字" * 1001) == "「督办要求」不能超过 1000 字"


def test_late_only_after_the_due_date_and_only_when_pending():
    due = D(2025, 11, 14)
    assert not rules.is_late("pending", due, due)
    assert rules.is_late("pending", due, D(2025, 11, 15))
    assert not rules.is_late("answered", due, D(2025, 11, 20))
    assert not rules.is_late("closed", due, D(2025, 11, 20))
    assert not rules.is_late("pending", None, D(2025, 11, 20))


def test_escalation_once():
    due = D(2025, 11, 14)
    assert rules.needs_escalation("pending", due, D(2025, 11, 17), escalated=False)
    assert not rules.needs_escalation("pending", due, D(2025, 11, 17), escalated=True)
    assert not rules.needs_escalation("pending", due, due, escalated=False)


@pytest.mark.parametrize(
    "light,is_open,ok",
    [
        ("red", True, True),
        ("yellow", True, True),
        ("green", True, False),
        ("", True, False),
        ("red", False, False),
    ],
)
def test_issuable(light, is_open, ok):
    assert rules.issuable(light, is_open) is ok
