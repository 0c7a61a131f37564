import pytest

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.divisions.models import Division
from bangban.org.models import Department, Institution
from bangban.org.services import department_create, department_update, institution_create, institution_update

pytestmark = pytest.mark.django_db


def test_town_admin_creates_station_below_and_it_is_audited(org):
    admin = org.user("town_admin")
    Division.objects.create(code="320505101202", name="新村", level=5, parent_id="320505101")
    station = institution_create(
        by=admin,
        name="新村便民服务站",
        tier=3,
        division=Division.objects.get(code="320505101202"),
        parent=org.town,
        phone="0512-1",
    )
    assert station.path == f"{org.town.path}{station.pk}/"
    row = AuditEvent.objects.get(action="org.institution.create", object_id=str(station.pk))
    assert row.actor == admin and row.institution == station
    assert row.changes["name"] == {"before": None, "after": "新村便民服务站"}


@pytest.mark.parametrize(
    ("tier", "division", "parent", "field"),
    [
        (3, "320505101201", "county", "parent"),  # a station directly under a county center
        (2, "320505101201", "county", "division"),  # a town center on a village division
        (2, "320506001", "county", "division"),  # a town outside the parent's division
        (9, "320505101", "county", "tier"),
    ],
)
def test_structure_rules_name_the_field(org, tier, division, parent, field):
    with pytest.raises(ServiceError) as exc:
        institution_create(
            by=org.user("county_admin"),
            name="X",
            tier=tier,
            division=Division.objects.get(code=division),
            parent=getattr(org, parent),
        )
    assert exc.value.field == field
    assert not Institution.objects.filter(name="X").exists()


def test_cannot_create_outside_scope_or_without_role(org):
    with pytest.raises(NotInScope):
        institution_create(
            by=org.user("town_admin"),
            name="X",
            tier=3,
            division=Division.objects.get(code="320505003001"),
            parent=org.town2,
        )
    with pytest.raises(AccessRefused):
        institution_create(
            by=org.user("town_agent"),
            name="X",
            tier=3,
            division=Division.objects.get(code="320505101201"),
            parent=org.town,
        )


def test_update_records_before_and_after(org):
    institution_update(
        by=org.user("county_admin"),
        institution=org.town,
        name="通安镇便民服务中心",
        address="通安镇华通路 1 号",
        phone="0512-66660000",
    )
    row = AuditEvent.objects.get(action="org.institution.update")
    assert row.changes["address"] == {"before": "", "after": "通安镇华通路 1 号"}
    assert row.changes["phone"]["after"] == "0512-66660000"
    assert "name" not in row.changes


def test_department_credit_code_checked_and_nothing_saved(org):
    with pytest.raises(ServiceError) as exc:
        department_create(
            by=org.user("county_admin"),
            institution=org.county,
            name="区税务局",
            credit_code="91350100M000100Y44",
        )
    assert exc.value.field == "credit_code" and "校验位" in exc.value.message
    assert not Department.objects.filter(name="区税务局").exists()
    assert not AuditEvent.objects.filter(
        action="org.department.create", actor=org.user("county_admin")
    ).exists()


def test_department_update_audited(org):
    department_update(
        by=org.user("county_admin"),
        department=org.department,
        name="区市场监督管理局",
        credit_code="91350100M000100Y43",
        windows="A01",
        is_active=True,
    )
    row = AuditEvent.objects.get(action="org.department.update")
    assert row.changes == {"windows": {"before": "", "after": "A01"}}


def test_station_cannot_have_departments(org):
    with pytest.raises(ServiceError) as exc:
        department_create(by=org.user("county_admin"), institution=org.station, name="X")
    assert exc.value.field == "institution"
