import pytest
from django.db import DatabaseError, connection, transaction

from bangban.audit.models import AppendOnlyError, AuditEvent
from bangban.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(org):
    return audit_record(
        actor=org.user("county_admin"),
        action="org.institution.update",
        target=org.town,
        changes={"name": {"before": "a", "after": "b"}},
    )


def test_row_fields(org, event):
    assert event.actor_name == "测试county_admin"
    assert event.institution == org.county
    assert event.object_type == "org.institution" and event.object_id == str(org.town.pk)


def test_orm_refuses_changes(event):
    event.note = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize("sql", ["UPDATE audit_auditevent SET note = 'x'", "DELETE FROM audit_auditevent"])
def test_database_refuses_raw_update_and_delete(event, sql):
    with pytest.raises(DatabaseError) as exc:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert "append-only" in str(exc.value)
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_admin_is_read_only(event, client, org):
    admin = org.user("sysadmin")
    admin.is_superuser = admin.is_staff = True
    admin.save(update_fields=["is_superuser", "is_staff"])
    client.force_login(admin)
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"note": "x"}).status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_api_is_read_only_and_scoped(event, org, api):
    client = api(org.user("supervisor"))
    assert client.get(f"/api/v1/audit-events/{event.pk}/").status_code == 200
    assert client.put(f"/api/v1/audit-events/{event.pk}/", {"note": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/audit-events/{event.pk}/").status_code == 405
    assert client.post("/api/v1/audit-events/", {"action": "x"}, format="json").status_code == 405
    # A town's supervisor-equivalent sees only its subtree; agents see no audit at all.
    assert api(org.user("town_admin")).get(f"/api/v1/audit-events/{event.pk}/").status_code == 404
    assert api(org.user("town_agent")).get("/api/v1/audit-events/").status_code == 403


def test_audit_page_search(event, org, web):
    client = web(org.user("supervisor"))
    page = client.get("/audit/", {"action": "org.institution.update"}).content.decode()
    assert "修改机构" in page and '<td data-label="对象">通安镇便民服务中心' in page
    page = client.get("/audit/", {"action": "auth.login"}).content.decode()
    assert '<td data-label="对象">通安镇便民服务中心' not in page
    assert web(org.user("town_agent")).get("/audit/").status_code == 403


def test_failed_change_leaves_no_audit_row(org):
    from bangban.core.errors import ServiceError
    from bangban.org.services import institution_update

    count = AuditEvent.objects.count()
    with pytest.raises(ServiceError):
        institution_update(by=org.user("county_admin"), institution=org.town, name="")
    assert AuditEvent.objects.count() == count
