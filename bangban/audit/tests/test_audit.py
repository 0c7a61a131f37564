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


def test_refusal_row_records_the_request_never_the_refused_object(org, api):
    from bangban.cases import services
    from bangban.cases.tests.conftest import make_item

    item = make_item(org, "个体工商户登记")
    case = services.case_create(
        by=org.user("town2_agent"),
        kind="help",
        mode="assist",
        items=[item],
        applicant_type="person",
        applicant_name="王小明",
        id_number="11010519491231002X",
        phone="13812345678",
    )
    assert api(org.user("station_agent")).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    response = api(org.user("supervisor")).get("/api/v1/audit-events/", {"action": "access.refused"})
    rows = response.json()["results"]
    assert len(rows) == 1
    text = str(rows)
    assert case.number not in text and "王小明" not in text
    assert rows[0]["object_id"] == str(case.pk)  # what was asked
    assert rows[0]["object_repr"] == f"GET /api/v1/cases/{case.pk}/"
    assert rows[0]["object_type"] == ""  # not even what kind of object it turned out to be


def test_every_field_of_every_model_has_a_chinese_name():
    import re

    from django.apps import apps

    from bangban.audit.presentation import field_label

    raw = [
        (m._meta.label_lower, f.name)
        for m in apps.get_models()
        if m.__module__.startswith("bangban.")
        for f in m._meta.get_fields()
        if not re.search(r"[\u3400-\u9fff]", field_label(m._meta.label_lower, f.name))
    ]
    assert raw == []


@pytest.mark.django_db
def test_audit_page_renders_every_kind_of_row_with_chinese_field_names(client):
    import re

    from django.core.management import call_command

    from bangban.accounts.models import User
    from bangban.cases import clock, services
    from bangban.catalog.selectors import offered_items

    call_command("load_demo", verbosity=0)  # catalog items and adjustments, staff, calendar
    agent = User.objects.get(username="tongan.bangban")
    version = next(
        v for v in offered_items(institution=agent.institution, on=clock.today()) if v.allows("help", 2)
    )
    case = services.case_create(
        by=agent,
        kind="help",
        mode="assist",
        items=[version.item_id],
        applicant_type="person",
        applicant_name="王小明",
        id_number="11010519491231002X",
        phone="13812345678",
        accept_now=True,
    )
    services.case_reveal_id(case=case, by=agent)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"cases.case.create", "catalog.item.create", "org.institution.create"} <= actions
    seen = set()
    # 监督员 and 系统管理员 at the top of the tree (the latter also sees the platform's own rows)
    for username in ("jiandu", "admin"):
        client.force_login(User.objects.get(username=username))
        assert client.get("/audit/").status_code == 200
        for action in sorted(actions):
            page = client.get("/audit/", {"action": action})
            assert page.status_code == 200, action
            labels = re.findall(r"<dt>(.*?)</dt>", page.content.decode())
            english = [label for label in labels if not re.search(r"[\u3400-\u9fff]", label)]
            assert english == [], (action, english)
            seen.update(labels)
    assert {"事项", "可代办层级", "是否收费", "申请人", "状态"} <= seen
    # Rows written before the chain runs (demo data here, migrations in a database) join it on the
    # first seal run.
    from bangban.audit import chain

    assert chain.verify().unsealed > 400
    chain.seal_pending()
    report = chain.verify()
    assert report.ok and report.unsealed == 0 and report.checked == AuditEvent.objects.count()
    page = client.get("/audit/integrity/").content.decode()
    assert "<strong>完整</strong>" in page
