"""cases.tracking: the fixed citizen lines of the public tracking page (pure rules)."""

import datetime as dt

import pytest

from bangban.cases import tracking
from bangban.cases.models import Kind, Status, Suspension
from bangban.cases.workflow import TRANSITIONS

AT = dt.datetime(2025, 10, 9, 10, 0, tzinfo=dt.UTC)


def transition(from_status, to_status, **extra):
    return tracking.TrackEvent(
        at=AT, type="transition", from_status=from_status, to_status=to_status, **extra
    )


@pytest.mark.parametrize(
    ("event", "text"),
    [
        (transition("", Status.CONSULTING), "已登记您的诉求"),
        (transition(Status.CONSULTING, Status.APPLIED), "已提交办理申请"),
        (transition(Status.APPLIED, Status.ACCEPTED), "已受理"),
        (transition(Status.CONSULTING, Status.ANALYSING), "已完成代办需求分析"),
        (transition(Status.ANALYSING, Status.ENTRUSTED), "已签订代办委托书，已受理"),
        (transition(Status.ACCEPTED, Status.IN_PROGRESS), "办理中"),
        (transition(Status.SUSPENDED, Status.IN_PROGRESS), "已续办，继续办理"),
        (
            transition(Status.IN_PROGRESS, Status.SUSPENDED, suspension_reason="materials"),
            "已中止，原因类别：材料不齐需补正",
        ),
        (
            transition(Status.IN_PROGRESS, Status.SUSPENDED, suspension_reason="applicant"),
            "已中止，原因类别：申请人要求",
        ),
        (
            transition(Status.IN_PROGRESS, Status.SUSPENDED, suspension_reason="other"),
            "已中止",
        ),  # free text: no category
        (transition(Status.IN_PROGRESS, Status.SUSPENDED), "已中止"),
        (transition(Status.IN_PROGRESS, Status.COMPLETED), "已办结"),
        (transition(Status.SUSPENDED, Status.TERMINATED), "已终止"),
        (transition(Status.COMPLETED, Status.ARCHIVED), "已归档"),
        (
            tracking.TrackEvent(at=AT, type="transfer", transferred_to="苏州市姑苏区政务服务中心"),
            "已转由苏州市姑苏区政务服务中心办理",
        ),
        (tracking.TrackEvent(at=AT, type="transfer"), None),  # sent or returned: not for the public
        (
            tracking.TrackEvent(at=AT, type="deadline", due_before="2025-10-20", due_after="2025-10-27"),
            "办结期限调整为2025年10月27日",
        ),
        (tracking.TrackEvent(at=AT, type="deadline", due_before="", due_after="2025-10-20"), None),
        (tracking.TrackEvent(at=AT, type="deadline", due_before="2025-10-20", due_after=""), None),
        (tracking.TrackEvent(at=AT, type="deadline", due_before="2025-10-20", due_after="garbage"), None),
        (tracking.TrackEvent(at=AT, type="log"), None),
        (tracking.TrackEvent(at=AT, type="material"), None),
        (tracking.TrackEvent(at=AT, type="task"), None),
    ],
)
def test_line_for_each_event(event, text):
    assert tracking.line_text(event) == text


def test_every_status_a_transition_reaches_has_a_line_and_each_open_status_a_next_step():
    for action, kinds in TRANSITIONS.items():
        for kind, moves in kinds.items():
            for from_status, to_status in moves.items():
                assert tracking.line_text(transition(from_status, to_status)), (action, kind, to_status)
                assert tracking.next_step(kind, to_status), (kind, to_status)
    for kind in Kind.values:
        assert tracking.next_step(kind, Status.CONSULTING)


def test_every_suspension_reason_but_other_is_a_public_category():
    assert set(tracking.REASON_CATEGORIES) == set(Suspension.Reason.values) - {Suspension.Reason.OTHER}


def test_lines_keep_order_and_drop_what_is_not_public():
    events = [
        transition("", Status.CONSULTING),
        tracking.TrackEvent(at=AT, type="log"),
        transition(Status.CONSULTING, Status.APPLIED),
    ]
    assert [line.text for line in tracking.lines(events)] == ["已登记您的诉求", "已提交办理申请"]


def test_current_status_wording():
    assert (
        tracking.current_status(Status.SUSPENDED, "third_party")
        == "已中止，原因类别：等待第三方（检测、鉴定、公示等）"
    )
    assert tracking.current_status(Status.IN_PROGRESS) == "办理中"
    assert tracking.current_status(Status.COMPLETED) == "已办结"


def test_a_lines_time_is_shown_in_local_time_to_the_minute():
    from bangban.cases.tracking import Line

    at = dt.datetime(2025, 10, 9, 23, 30, 59, tzinfo=dt.UTC)
    assert Line(at, "已办结").when == "2025-10-10 07:30"  # Asia/Shanghai, as the date filter showed it
