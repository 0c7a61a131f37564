import pytest

from bangban.core.errors import AccessRefused, NotInScope
from bangban.emergencies import selectors
from bangban.emergencies.tests.test_services import publish

pytestmark = pytest.mark.django_db


def test_scope_and_versions(org):
    county_v1 = publish(org)
    county_v2 = publish(org)
    town = publish(org, by="town_admin", type="natural")
    ids = lambda qs: {p.pk for p in qs}  # noqa: E731
    assert ids(selectors.plan_list(user=org.user("county_admin"))) == {county_v2.pk, town.pk}
    assert ids(selectors.plan_list(user=org.user("county_admin"), current_only=False)) == {
        county_v1.pk,
        county_v2.pk,
        town.pk,
    }
    assert ids(selectors.plan_list(user=org.user("town_admin"))) == {town.pk}
    assert ids(selectors.plan_list(user=org.user("town_agent"))) == {town.pk}
    assert ids(selectors.plan_list(user=org.user("supervisor"))) == {county_v2.pk, town.pk}
    assert list(selectors.plan_list(user=org.user("other_admin"))) == []
    assert (
        selectors.plan_get(user=org.user("county_admin"), pk=county_v1.pk) == county_v1
    )  # old versions readable
    assert [p.version for p in selectors.plan_versions(county_v1)] == [2, 1]
    with pytest.raises(NotInScope):
        selectors.plan_get(user=org.user("town_admin"), pk=county_v2.pk)
    with pytest.raises(AccessRefused):
        selectors.plan_list(user=org.user("catalog_admin"))


def test_drills_and_incidents_are_scoped(org):
    import datetime
    from zoneinfo import ZoneInfo

    from bangban.emergencies import services

    county = publish(org)
    town = publish(org, by="town_admin", type="natural")
    for plan, by in ((county, "county_admin"), (town, "town_admin")):
        services.drill_record(
            by=org.user(by),
            plan=plan,
            held_on=datetime.date(2025, 3, 1),
            participants="全体",
            scenario="演练",
        )
    started = datetime.datetime(2025, 3, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    incident = services.incident_log(
        by=org.user("town_admin"), institution=org.town, type="social", started_at=started, description="纠纷"
    )
    assert {d.plan_id for d in selectors.drill_list(user=org.user("county_admin"))} == {county.pk, town.pk}
    assert {d.plan_id for d in selectors.drill_list(user=org.user("town_agent"))} == {town.pk}
    assert [d.plan_id for d in selectors.drill_list(user=org.user("county_admin"), plan=county)] == [
        county.pk
    ]
    assert list(selectors.incident_list(user=org.user("county_admin"))) == [incident]
    assert list(selectors.incident_list(user=org.user("town2_agent"))) == []
    with pytest.raises(NotInScope):
        selectors.incident_get(user=org.user("station_agent"), pk=incident.pk)
    with pytest.raises(NotInScope):
        selectors.incident_get(user=org.user("county_admin"), pk="1 OR 1=1")
