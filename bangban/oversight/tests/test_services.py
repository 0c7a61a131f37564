import datetime

import pytest

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.oversight import services
from bangban.oversight.models import Order, OrderEvent
from bangban.oversight.tasks import escalate_overdue
from bangban.oversight.tests.conftest import at, open_case

pytestmark = pytest.mark.django_db
D = datetime.date


def issue(org, case, **kw):
    kw.setdefault("requirement", "请于期限内说明超期原因并尽快办结")
    return services.order_issue(by=org.user("supervisor"), case=case, **kw)


def test_unanswered_order_escalates_once_then_is_answered_and_closed(org, red_case):
    with at(2025, 11, 12):
        order = issue(org, red_case)
    assert order.state == "pending" and order.due_date == D(2025, 11, 14)  # 2 working days
    assert order.institution == org.station and order.agent == org.user("station_agent")

    with at(2025, 11, 14, 17):  # the due date itself is still in time
        assert escalate_overdue() == 0
    with at(2025, 11, 17):
        assert escalate_overdue() == 1
        assert escalate_overdue() == 0  # idempotent: run twice, escalated once
    order.refresh_from_db()
    assert order.escalated_at is not None
    assert order.events.filter(type=OrderEvent.Type.ESCALATE).count() == 1
    assert AuditEvent.objects.filter(action="oversight.order.escalate").count() == 1

    with at(2025, 11, 17, 11):
        order = services.order_answer(
            order=order,
            by=org.user("station_agent"),
            reply="材料已补齐，今日办结",
            actions_taken="电话联系申请人",
        )
    assert order.state == "answered" and order.answered_by == org.user("station_agent")
    with at(2025, 11, 18):
        order = services.order_close(order=order, by=org.user("supervisor"), satisfied=True)
        assert escalate_overdue() == 0  # answered orders never escalate
    assert order.state == "closed" and order.closed_by == org.user("supervisor")
    assert list(order.events.values_list("type", flat=True)) == ["issue", "escalate", "answer", "close"]
    actions = set(AuditEvent.objects.filter(action__startswith="oversight.").values_list("action", flat=True))
    assert actions == {
        "oversight.order.issue",
        "oversight.order.escalate",
        "oversight.order.answer",
        "oversight.order.close",
    }


def test_unsatisfied_reopens_with_new_limit_and_new_escalation_round(org, red_case):
    with at(2025, 11, 12):
        order = issue(org, red_case)
    with at(2025, 11, 17):
        escalate_overdue()
        order = services.order_answer(order=order, by=org.user("station_agent"), reply="已处理")
    with at(2025, 11, 18):
        with pytest.raises(ServiceError) as exc:
            services.order_close(order=order, by=org.user("supervisor"), satisfied=False)
        assert exc.value.field == "comment"
        order = services.order_close(
            order=order, by=org.user("supervisor"), satisfied=False, comment="答复未说明时间", limit_days=1
        )
    assert order.state == "pending" and order.rounds == 2 and order.due_date == D(2025, 11, 19)
    assert order.escalated_at is None
    with at(2025, 11, 20):
        assert escalate_overdue() == 1


def test_issue_refuses_green_finished_and_duplicate(org, item):
    case = open_case(org, item=item)
    with at(2025, 11, 4):  # due 11-10: green
        with pytest.raises(ServiceError) as exc:
            issue(org, case)
        assert exc.value.field == "case" and "红灯" in exc.value.message
    with at(2025, 11, 7):  # yellow (within the yellow window)
        issue(org, case)
        with pytest.raises(ServiceError) as exc:
            issue(org, case)
        assert exc.value.code == "duplicate"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"requirement": ""}, "requirement"),
        ({"requirement": "字" * 1001}, "requirement"),
        ({"limit_days": 0}, "limit_days"),
        ({"limit_days": 11}, "limit_days"),
    ],
)
def test_issue_bad_input_changes_nothing(org, red_case, kw, field):
    with at(2025, 11, 12):
        with pytest.raises(ServiceError) as exc:
            issue(org, red_case, **kw)
    assert exc.value.field == field
    assert (
        not Order.objects.exists() and not AuditEvent.objects.filter(action__startswith="oversight").exists()
    )


def test_who_may_issue_answer_close(org, red_case, other_supervisor):
    with at(2025, 11, 12):
        with pytest.raises(AccessRefused):
            services.order_issue(by=org.user("station_agent"), case=red_case, requirement="x")
        with pytest.raises(NotInScope):
            services.order_issue(by=other_supervisor, case=red_case, requirement="x")
        order = issue(org, red_case)
        with pytest.raises(NotInScope):  # another station's agent
            services.order_answer(order=order, by=org.user("station2_agent"), reply="x")
        with pytest.raises(ServiceError):  # not answered yet
            services.order_close(order=order, by=org.user("supervisor"), satisfied=True)
        services.order_answer(order=order, by=org.user("town_agent"), reply="镇中心代为答复")
        with pytest.raises(AccessRefused):
            services.order_close(order=order, by=org.user("station_agent"), satisfied=True)
        with pytest.raises(ServiceError):  # twice
            services.order_answer(order=order, by=org.user("station_agent"), reply="again")


def test_new_order_after_closing(org, red_case):
    with at(2025, 11, 12):
        order = issue(org, red_case)
        services.order_answer(order=order, by=org.user("station_agent"), reply="ok")
        services.order_close(order=order, by=org.user("supervisor"), satisfied=True)
        second = issue(org, red_case)
    assert second.pk != order.pk


def test_management_command_escalates_like_the_task(org, red_case):
    import io

    from django.core.management import call_command

    with at(2025, 11, 12):
        issue(org, red_case)
    out = io.StringIO()
    with at(2025, 11, 17):
        call_command("oversight_escalate", stdout=out)
        call_command("oversight_escalate", stdout=out)
    assert out.getvalue().splitlines() == ["已升级 1 张逾期督办单", "已升级 0 张逾期督办单"]


def test_an_order_without_a_target_is_refused_by_the_database(org, red_case):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(
            case=None,
            institution=org.station,
            requirement="x",
            issued_by=org.user("supervisor"),
            due_date=D(2025, 11, 14),
        )
    # and a second open order on the same case, even written past the service
    with at(2025, 11, 12):
        issue(org, red_case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(
            case=red_case,
            institution=org.station,
            requirement="x",
            issued_by=org.user("supervisor"),
            due_date=D(2025, 11, 14),
        )
