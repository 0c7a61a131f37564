"""Concurrent requests never lose or duplicate data (real threads, real transactions, both databases)."""

import pytest

from bangban.cases import services
from bangban.cases.models import Case
from bangban.core.testing import make_org, run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():
    from bangban.cases.tests.conftest import make_item

    org = make_org()
    item = make_item(org, "个体工商户登记", promised=5)
    return org, item


def _open_case(org, item):
    by = org.user("town_agent")
    case = services.case_create(
        by=by,
        kind="help",
        mode="assist",
        items=[item],
        applicant_type="person",
        applicant_name="张三",
        id_number="11010519491231002X",
        phone="13812345678",
        accept_now=True,
    )
    return services.case_start(case=case, by=by)


def test_two_concurrent_completions_exactly_one_succeeds(setup):
    org, item = setup
    case = _open_case(org, item)
    users = [org.user("town_agent"), org.user("coordinator")]  # two people, both allowed to act
    results = run_together(2, lambda i: services.case_complete(case=case, by=users[i], result=f"结果{i}").pk)
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["error", "ok"], results
    assert [r[1] for r in results if r[0] == "error"] == ["invalid_transition"]
    case.refresh_from_db()
    assert case.status == "completed"
    assert case.events.filter(to_status="completed").count() == 1


def test_concurrent_creations_get_consecutive_unique_numbers(setup):
    org, item = setup
    by = org.user("town_agent")
    n = 8

    def create(i):
        return services.case_create(
            by=by,
            kind="help",
            mode="assist",
            items=[item],
            applicant_type="person",
            applicant_name=f"申请人{i}",
            id_number="11010519491231002X",
            phone="13812345678",
        ).number

    results = run_together(n, create)
    assert all(r[0] == "ok" for r in results), results
    numbers = sorted(r[1] for r in results)
    assert len(set(numbers)) == n
    assert [int(x.rsplit("-", 1)[1]) for x in numbers] == list(range(1, n + 1))
    assert Case.objects.count() == n


def _agency_in_progress(org, item):
    import datetime

    by = org.user("town_agent")
    case = services.case_create(
        by=by,
        kind="agency",
        mode="agency",
        items=[item],
        applicant_type="person",
        applicant_name="王阿婆",
        id_number="11010519491231002X",
        phone="13812345678",
    )
    case = services.case_analyse(case=case, by=by, analysis="全程代办")
    today = datetime.date.today()
    case = services.case_entrust(
        case=case, by=by, scope="whole", period_start=today, period_end=today + datetime.timedelta(days=30)
    )
    return services.case_start(case=case, by=by)


def test_fifty_concurrent_suspensions_one_succeeds_the_rest_are_refused_cleanly(setup):
    from rest_framework.test import APIClient

    from bangban.cases.models import Suspension

    org, item = setup
    case = _agency_in_progress(org, item)
    user = org.user("town_agent")

    def suspend(i):
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(
            f"/api/v1/cases/{case.pk}/suspend/", {"reason": "materials", "detail": f"第{i}次"}, format="json"
        )
        return response.status_code, response["Content-Type"], response.json().get("code")

    results = run_together(50, suspend)
    statuses = sorted(r[1][0] for r in results if r[0] == "ok")
    assert len(statuses) == 50, [r for r in results if r[0] != "ok"][:3]
    assert statuses.count(200) == 1 and statuses.count(400) == 49, statuses
    assert all(r[1][1].startswith("application/json") for r in results)
    assert {r[1][2] for r in results if r[1][0] == 400} == {"invalid_transition"}
    assert Suspension.objects.filter(case=case).count() == 1
