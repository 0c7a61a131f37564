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
