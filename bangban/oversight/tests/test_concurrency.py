"""Concurrent issues, answers and escalation runs never duplicate (real threads and transactions)."""

import pytest

from bangban.core.testing import make_org, run_together
from bangban.oversight import services
from bangban.oversight.models import Order, OrderEvent
from bangban.oversight.tests.conftest import at, open_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():
    from bangban.cases.tests.conftest import make_item

    org = make_org()
    case = open_case(org, item=make_item(org, "个体工商户登记", promised=5))
    return org, case


def test_four_supervisors_issue_at_once_one_order(setup):
    org, case = setup
    with at(2025, 11, 12):
        results = run_together(
            4,
            lambda i: services.order_issue(by=org.user("supervisor"), case=case, requirement=f"督办 {i}").pk,
        )
    assert sorted(r[0] for r in results) == ["error", "error", "error", "ok"], results
    assert {r[1] for r in results if r[0] == "error"} == {"duplicate"}
    assert Order.objects.count() == 1


def test_two_answers_and_two_escalation_runs_at_once(setup):
    org, case = setup
    with at(2025, 11, 12):
        order = services.order_issue(by=org.user("supervisor"), case=case, requirement="督办")
    with at(2025, 11, 17):
        marked = run_together(3, lambda i: services.order_escalate_overdue())
        assert sorted(r[1] for r in marked) == [0, 0, 1], marked
        results = run_together(
            2,
            lambda i: services.order_answer(order=order, by=org.user("station_agent"), reply=f"答复 {i}").pk,
        )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert OrderEvent.objects.filter(type="escalate").count() == 1
    assert OrderEvent.objects.filter(type="answer").count() == 1


def test_four_supervisors_issue_on_a_late_complaint_at_once_one_order(setup):
    from bangban.complaints.tests.conftest import register

    org, _case = setup
    with at(2025, 11, 3):
        complaint = register(org)
    with at(2025, 11, 5):  # 受理 was due 11-04: late
        results = run_together(
            4,
            lambda i: services.order_issue(
                by=org.user("supervisor"), complaint=complaint, requirement=f"督办 {i}"
            ).pk,
        )
    assert sorted(r[0] for r in results) == ["error", "error", "error", "ok"], results
    assert {r[1] for r in results if r[0] == "error"} == {"duplicate"}
    assert Order.objects.filter(complaint=complaint).count() == 1
