import pytest

from bangban.core.errors import AccessRefused, NotInScope
from bangban.oversight import selectors, services
from bangban.oversight.tasks import escalate_overdue
from bangban.oversight.tests.conftest import at, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(org, item):
    a = open_case(org, "station_agent", item=item)
    b = open_case(org, "town2_agent", item=item)
    with at(2025, 11, 12):
        oa = services.order_issue(by=org.user("supervisor"), case=a, requirement="督办")
        ob = services.order_issue(by=org.user("supervisor"), case=b, requirement="督办")
    return oa, ob


def ids(qs):
    return {o.pk for o in qs}


def test_scope(org, orders):
    oa, ob = orders
    with at(2025, 11, 13):
        assert ids(selectors.order_list(user=org.user("supervisor"))) == {oa.pk, ob.pk}
        assert ids(selectors.order_list(user=org.user("station_agent"), box="mine")) == {oa.pk}
        assert ids(selectors.order_list(user=org.user("town_agent"), box="mine")) == {oa.pk}
        assert ids(selectors.order_list(user=org.user("station2_agent"), box="mine")) == set()
        assert ids(selectors.order_list(user=org.user("other_admin"))) == set()
        with pytest.raises(NotInScope):
            selectors.order_get(user=org.user("station2_agent"), pk=oa.pk)
        with pytest.raises(NotInScope):
            selectors.order_get(user=org.user("station_agent"), pk="abc")
        with pytest.raises(AccessRefused):
            selectors.order_list(user=org.user("catalog_admin"))


def test_boxes_and_counts(org, orders):
    oa, _ob = orders
    with at(2025, 11, 13):
        assert ids(selectors.order_list(user=org.user("supervisor"), box="issued")) == ids(orders)
        assert ids(selectors.order_list(user=org.user("station_agent"), box="issued")) == set()
        assert selectors.pending_counts(user=org.user("station_agent")) == {"mine": 1, "mine_late": 0}
    with at(2025, 11, 17):
        escalate_overdue()
        assert ids(selectors.order_list(user=org.user("station_agent"), box="mine", late=True)) == {oa.pk}
        counts = selectors.pending_counts(user=org.user("coordinator"))
        assert counts["escalated"] == 2 and counts["mine_late"] == 2
        assert ids(selectors.order_list(user=org.user("coordinator"), box="escalated")) == ids(orders)
        services.order_answer(order=oa, by=org.user("station_agent"), reply="已办")
        # The supervisor handles complaints too (no complaint order here; their own orders never count).
        assert selectors.pending_counts(user=org.user("supervisor")) == {
            "mine": 0,
            "mine_late": 0,
            "to_evaluate": 1,
        }
        assert selectors.pending_counts(user=org.user("catalog_admin")) == {}
