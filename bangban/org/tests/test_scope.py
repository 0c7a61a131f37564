"""The role × scope matrix: who sees which institutions, staff and audit rows, by page and by API."""

import pytest

from bangban.accounts.selectors import staff_list
from bangban.core.errors import AccessRefused, NotInScope
from bangban.org.selectors import institution_get, institutions_in_scope

pytestmark = pytest.mark.django_db

# Which institutions (by Org attribute) each user sees.
VISIBLE = {
    "sysadmin": {"county", "town", "town2", "station", "station2", "station3"},
    "county_admin": {"county", "town", "town2", "station", "station2", "station3"},
    "supervisor": {"county", "town", "town2", "station", "station2", "station3"},
    "catalog_admin": {"county", "town", "town2", "station", "station2", "station3"},
    "coordinator": {"county", "town", "town2", "station", "station2", "station3"},
    "chief_liaison": {"county", "town", "town2", "station", "station2", "station3"},
    "liaison": {"county", "town", "town2", "station", "station2", "station3"},
    "town_admin": {"town", "station", "station2"},
    "town_agent": {"town", "station", "station2"},
    "station_agent": {"station"},
    "station2_agent": {"station2"},
    "town2_agent": {"town2", "station3"},
    "other_admin": {"other_county"},
}
ALL = ["county", "town", "town2", "station", "station2", "station3", "other_county"]


@pytest.mark.parametrize("key", sorted(VISIBLE))
def test_institution_scope_matrix(org, key, api):
    user = org.user(key)
    expected = {getattr(org, name).pk for name in VISIBLE[key]}
    assert set(institutions_in_scope(user).values_list("pk", flat=True)) == expected
    client = api(user)
    listed = {row["id"] for row in client.get("/api/v1/institutions/?page_size=200").json()["results"]}
    assert listed == expected
    for name in ALL:
        inst = getattr(org, name)
        response = client.get(f"/api/v1/institutions/{inst.pk}/")
        assert response.status_code == (200 if inst.pk in expected else 404), (key, name)


def test_station_agent_gets_nothing_of_another_station(org, api, web):
    agent = org.user("station_agent")
    with pytest.raises(NotInScope):
        institution_get(user=agent, pk=org.station2.pk)
    assert api(agent).get(f"/api/v1/institutions/{org.station2.pk}/").status_code == 404
    page = web(agent).get(f"/org/institutions/{org.station2.pk}/")
    assert page.status_code == 404
    assert "通安社区便民服务站" not in page.content.decode()
    # Agents have no staff listing at all, and cannot reach another station's people.
    assert api(agent).get("/api/v1/staff/").status_code == 403
    other = org.user("station2_agent")
    assert api(agent).get(f"/api/v1/staff/{other.pk}/").status_code == 403


def test_center_admin_sees_whole_subtree_staff(org, api):
    admin = org.user("town_admin")
    usernames = set(staff_list(user=admin).values_list("username", flat=True))
    assert usernames == {"town_admin", "town_agent", "station_agent", "station2_agent"}
    county = set(staff_list(user=org.user("county_admin")).values_list("username", flat=True))
    assert {"town_admin", "station_agent", "town2_agent", "liaison"} <= county
    assert "other_admin" not in county
    listed = {r["username"] for r in api(admin).get("/api/v1/staff/?page_size=200").json()["results"]}
    assert listed == usernames


def test_refused_access_is_audited(org, api):
    from bangban.audit.models import AuditEvent

    agent = org.user("station_agent")
    api(agent).get(f"/api/v1/institutions/{org.station3.pk}/")
    row = AuditEvent.objects.filter(action="access.refused", actor=agent).get()
    assert row.object_id == str(org.station3.pk)
    assert row.institution == org.station


def test_staff_selector_refuses_role_without_staff_view(org):
    with pytest.raises(AccessRefused):
        staff_list(user=org.user("town_agent"))
