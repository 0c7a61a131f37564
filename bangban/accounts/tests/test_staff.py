import pytest

from bangban.accounts.models import User
from bangban.accounts.services import staff_create, staff_set_active, staff_set_password, staff_update
from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError

pytestmark = pytest.mark.django_db


def test_center_admin_manages_staff_only_in_scope(org):
    admin = org.user("town_admin")
    user = staff_create(
        by=admin,
        username="zhang.san",
        full_name="张三",
        institution=org.station2,
        roles=["agent"],
        password="Strong#Pass1",
        phone="13812345678",
    )
    assert user.must_change_password
    row = AuditEvent.objects.get(action="accounts.staff.create", object_id=str(user.pk))
    assert row.changes["roles"] == {"before": None, "after": ["agent"]}
    assert row.changes["full_name"] == {"before": None, "after": "张三"}
    assert "password" not in row.changes
    with pytest.raises(NotInScope):
        staff_create(
            by=admin,
            username="li.si",
            full_name="李四",
            institution=org.town2,
            roles=["agent"],
            password="Strong#Pass1",
        )
    with pytest.raises(NotInScope):
        staff_update(
            by=admin, user=org.user("town2_agent"), full_name="X", institution=org.town, roles=["agent"]
        )
    with pytest.raises(AccessRefused):
        staff_create(
            by=org.user("town_agent"),
            username="w",
            full_name="W",
            institution=org.station,
            roles=["agent"],
            password="Strong#Pass1",
        )
    assert not User.objects.filter(username__in=["li.si", "w"]).exists()


def test_update_is_audited_with_before_and_after(org):
    agent = org.user("station_agent")
    staff_update(
        by=org.user("town_admin"),
        user=agent,
        full_name="杨站员",
        institution=org.station2,
        roles=["agent", "coordinator"],
        phone="13900000000",
    )
    row = AuditEvent.objects.get(action="accounts.staff.update")
    assert row.changes["full_name"] == {"before": "测试station_agent", "after": "杨站员"}
    assert row.changes["institution"]["before"]["id"] == org.station.pk
    assert row.changes["institution"]["after"]["id"] == org.station2.pk
    assert row.changes["roles"] == {"before": ["agent"], "after": ["agent", "coordinator"]}


def test_only_sysadmin_grants_sysadmin(org):
    with pytest.raises(ServiceError) as exc:
        staff_create(
            by=org.user("county_admin"),
            username="x",
            full_name="X",
            institution=org.county,
            roles=["sysadmin"],
            password="Strong#Pass1",
        )
    assert exc.value.field == "roles"
    staff_create(
        by=org.user("sysadmin"),
        username="x",
        full_name="X",
        institution=org.county,
        roles=["sysadmin"],
        password="Strong#Pass1",
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "bad name"}, "username"),
        ({"phone": "12345"}, "phone"),
        ({"roles": []}, "roles"),
        ({"roles": ["liaison"]}, "department"),
        ({"password": "short1A"}, "password"),
        ({"password": "alllowercaseletters"}, "password"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(org, kwargs, field):
    data = {
        "username": "ok.name",
        "full_name": "某人",
        "institution": org.town,
        "roles": ["agent"],
        "password": "Strong#Pass1",
    } | kwargs
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as exc:
        staff_create(by=org.user("town_admin"), **data)
    assert exc.value.field == field
    assert not User.objects.filter(username=data["username"]).exists()
    assert AuditEvent.objects.count() == before


def test_set_password_and_deactivate(org, client):
    agent = org.user("station_agent")
    staff_set_password(by=org.user("town_admin"), user=agent, password="Reset#Pass2026")
    agent.refresh_from_db()
    assert agent.must_change_password
    staff_set_active(by=org.user("town_admin"), user=agent, active=False)
    response = client.post("/accounts/login/", {"username": "station_agent", "password": "Reset#Pass2026"})
    assert "已停用" in response.content.decode()
    actions = list(AuditEvent.objects.filter(object_id=str(agent.pk)).values_list("action", flat=True))
    assert {"accounts.staff.set_password", "accounts.staff.deactivate", "auth.login_failed"} <= set(actions)


def test_staff_api_create_and_errors(org, api):
    client = api(org.user("town_admin"))
    ok = client.post(
        "/api/v1/staff/",
        {
            "username": "api.user",
            "full_name": "接口",
            "institution": org.station.pk,
            "roles": ["agent"],
            "password": "Strong#Pass1",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["must_change_password"] is True
    bad = client.post(
        "/api/v1/staff/",
        {
            "username": "api.user2",
            "full_name": "接口",
            "institution": org.station.pk,
            "roles": ["agent"],
            "password": "Strong#Pass1",
            "phone": "999",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "phone"
    assert bad.json()["code"] == "invalid"
    out = client.post(
        "/api/v1/staff/",
        {
            "username": "api.user3",
            "full_name": "接口",
            "institution": org.town2.pk,
            "roles": ["agent"],
            "password": "Strong#Pass1",
        },
        format="json",
    )
    assert out.status_code == 404
    assert not User.objects.filter(username__in=["api.user2", "api.user3"]).exists()


def test_staff_pages(org, web):
    client = web(org.user("town_admin"))
    page = client.get("/accounts/staff/").content.decode()
    assert "station_agent" in page and "town2_agent" not in page
    response = client.post(
        "/accounts/staff/new/",
        {
            "username": "page.user",
            "full_name": "页面",
            "institution": org.station.pk,
            "roles": ["agent"],
            "password": "Strong#Pass1",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/accounts/staff/new/",
        {
            "username": "page.user2",
            "full_name": "页面",
            "institution": org.station.pk,
            "roles": ["agent"],
            "password": "weak",
        },
    )
    assert response.status_code == 200 and "至少包含 10 个字符" in response.content.decode()
