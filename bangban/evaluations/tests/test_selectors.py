"""Reads are scoped by institution: a station sees its own, the town above its stations, the county all."""

import pytest

from bangban.core.errors import AccessRefused, NotInScope
from bangban.evaluations import selectors, services
from bangban.evaluations.models import Appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stations(org, new_case):
    a = services.review_submit_at_window(
        by=org.user("station_agent"), case=new_case("station_agent"), level=1
    )
    b = services.review_submit_at_window(
        by=org.user("station2_agent"), case=new_case("station2_agent"), level=5
    )
    c = services.review_submit_at_window(by=org.user("town2_agent"), level=2)
    return a, b, c


def test_review_scope(org, two_stations):
    a, b, c = two_stations
    assert list(selectors.review_list(user=org.user("station_agent"))) == [a]
    assert set(selectors.review_list(user=org.user("town_agent"))) == {a, b}
    assert set(selectors.review_list(user=org.user("supervisor"))) == {a, b, c}
    assert list(selectors.review_list(user=org.user("other_admin"))) == []
    with pytest.raises(NotInScope):
        selectors.review_get(user=org.user("station_agent"), pk=b.pk)
    with pytest.raises(NotInScope):
        selectors.review_get(user=org.user("station_agent"), pk="null")
    with pytest.raises(AccessRefused):
        selectors.review_list(user=org.user("catalog_admin"))


def test_rectification_scope_and_late(org, two_stations):
    import datetime

    a, b, c = two_stations
    assert [r.review for r in selectors.rectification_list(user=org.user("station_agent"))] == [a]
    assert {r.review for r in selectors.rectification_list(user=org.user("supervisor"))} == {a, c}
    a.rectification.__class__.objects.filter(pk=a.rectification.pk).update(due_date=datetime.date(2020, 1, 1))
    late = selectors.rectification_list(
        user=org.user("supervisor"), late=True, today=datetime.date(2025, 1, 1)
    )
    assert [r.review for r in late] == [a]
    assert selectors.open_rectifications_count(user=org.user("station_agent")) == 1


def test_filters_and_excluded(org, two_stations):
    a, b, c = two_stations
    sup = org.user("supervisor")
    assert list(selectors.review_list(user=sup, level=5)) == [b]
    assert list(selectors.review_list(user=sup, institution=org.town2.pk)) == [c]
    assert list(selectors.review_list(user=sup, agent=org.user("station_agent").pk)) == [a]
    appeal = services.appeal_file(review=a, by=org.user("station_agent"), reason="误评")
    services.appeal_decide(appeal=appeal, by=sup, upheld=True, reason="核实误评")
    rows = {r.pk: r.excluded for r in selectors.review_list(user=sup)}
    assert rows == {a.pk: True, b.pk: False, c.pk: False}
    assert selectors.appeal_upheld(a.__class__.objects.get(pk=a.pk))
    assert not selectors.appeal_upheld(b)
    assert Appeal.objects.count() == 1
