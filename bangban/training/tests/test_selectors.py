import datetime
from decimal import Decimal

import pytest

from bangban.core.errors import AccessRefused, NotInScope
from bangban.training import selectors, services
from bangban.training.tests.test_services import make_course, make_session

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def data(org):
    county = make_course(org)
    town = make_course(org, by="town_admin", title="镇级培训")
    s1 = make_session(org, county, attendees=[services.AttendeeInput(org.user("station_agent"), score=90)])
    s2 = make_session(
        org,
        town,
        by="town_admin",
        held_on=D(2025, 6, 1),
        attendees=[
            services.AttendeeInput(org.user("station_agent"), score=80),
            services.AttendeeInput(org.user("town_agent")),
        ],
    )
    s3 = make_session(
        org, county, held_on=D(2024, 12, 1), attendees=[services.AttendeeInput(org.user("station_agent"))]
    )
    return county, town, s1, s2, s3


def test_managers_see_their_scope(org, data):
    county, town, s1, s2, s3 = data
    assert {c.pk for c in selectors.course_list(user=org.user("county_admin"))} == {county.pk, town.pk}
    assert {c.pk for c in selectors.course_list(user=org.user("town_admin"))} == {town.pk}
    assert {c.pk for c in selectors.course_list(user=org.user("supervisor"))} == {county.pk, town.pk}
    assert list(selectors.course_list(user=org.user("other_admin"))) == []
    with pytest.raises(NotInScope):
        selectors.course_get(user=org.user("town_admin"), pk=county.pk)
    with pytest.raises(AccessRefused):
        selectors.course_list(user=org.user("station_agent"))
    sessions = selectors.session_list(user=org.user("county_admin"), start=D(2025, 1, 1), end=D(2025, 12, 31))
    assert {s.pk for s in sessions} == {s1.pk, s2.pk}


def test_record_own_and_managed(org, data):
    agent = org.user("station_agent")
    assert selectors.record_owner(user=agent, pk=agent.pk) == agent
    with pytest.raises(AccessRefused):
        selectors.record_owner(user=agent, pk=org.user("town_agent").pk)
    assert selectors.record_owner(user=org.user("town_admin"), pk=agent.pk) == agent
    with pytest.raises(NotInScope):
        selectors.record_owner(user=org.user("other_admin"), pk=agent.pk)
    with pytest.raises(NotInScope):
        selectors.record_owner(user=org.user("town_admin"), pk=org.user("town2_agent").pk)
    record = selectors.staff_record(owner=agent, year=2025)
    assert len(record["rows"]) == 3
    assert record["totals"].hours == Decimal("8.0") and record["totals"].average_score == Decimal("85.0")


def test_ledger_covers_sessions_in_scope_and_staff_in_scope(org, data):
    _county, _town, s1, s2, _s3 = data
    rows = selectors.ledger_rows(user=org.user("town_admin"), start=D(2025, 1, 1), end=D(2025, 12, 31))
    # the town's own session, and its station agent at the county's session
    assert sorted((r.session_id, r.user.username) for r in rows) == sorted(
        [(s1.pk, "station_agent"), (s2.pk, "station_agent"), (s2.pk, "town_agent")]
    )
    assert (
        list(selectors.ledger_rows(user=org.user("other_admin"), start=D(2025, 1, 1), end=D(2025, 12, 31)))
        == []
    )


def test_staff_overview_matches_the_record_rule(org, data):
    rows = {
        u.username: (u.year_sessions, u.year_hours)
        for u in selectors.staff_overview(user=org.user("town_admin"), year=2025)
    }
    assert rows["station_agent"] == (2, Decimal("8.0"))
    assert rows["town_agent"] == (1, Decimal("4.0"))
    assert rows["station2_agent"] == (0, 0)
    assert "town2_agent" not in rows
    for name, (_n, hours) in rows.items():
        from bangban.accounts.models import User

        assert (
            selectors.staff_record(owner=User.objects.get(username=name), year=2025)["totals"].hours == hours
        )
