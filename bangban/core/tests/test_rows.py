"""core.db.rows: hand-written INSERT/SELECT helpers store and read exactly what the ORM would."""

import pytest

from bangban.audit.models import AuditEvent
from bangban.audit.services import audit_build
from bangban.core.db.rows import insert_rows, selection

pytestmark = pytest.mark.django_db

# Every field the two rows share (action differs by design, the time by a few microseconds).
FIELDS = ["actor_id", "actor_name", "institution_id", "object_type", "object_id", "changes", "note"]


def test_insert_rows_writes_what_save_writes(org):
    actor = org.user("town_agent")
    changes = {"status": {"before": "甲", "after": "乙"}, "n": [1, 2.5, None, True]}
    by_orm = audit_build(
        actor=actor, action="x.orm", object_type="t", object_id="1", changes=changes, note="说明"
    )
    by_orm.save()
    rows = [
        audit_build(
            actor=actor, action=f"x.rows{i}", object_type="t", object_id="1", changes=changes, note="说明"
        )
        for i in range(3)
    ]
    insert_rows(rows)
    stored = list(AuditEvent.objects.filter(action__startswith="x.rows").order_by("id"))
    assert [e.action for e in stored] == ["x.rows0", "x.rows1", "x.rows2"]
    reference = AuditEvent.objects.get(action="x.orm")
    for event in stored:
        for name in FIELDS:
            assert getattr(event, name) == getattr(reference, name), name
        assert event.at.tzinfo is not None and event.institution_id == org.town.pk
    insert_rows([])  # nothing to do
    with pytest.raises(TypeError):
        insert_rows([rows[0], org.town])


def test_selection_converts_like_the_orm(org):
    from django.db import connection

    from bangban.accounts.models import User

    chosen = selection(User, "u", ("username", "is_active", "date_joined", "institution_id"))
    assert chosen.names[0] == "id"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {chosen.sql} FROM accounts_user u WHERE u.username = %s", ["station_agent"])
        user = chosen.instance(cursor.fetchone())
    reference = User.objects.get(username="station_agent")
    assert (user.pk, user.username, user.is_active, user.date_joined, user.institution_id) == (
        reference.pk,
        reference.username,
        reference.is_active,
        reference.date_joined,
        reference.institution_id,
    )
    assert user.is_active is True
    assert chosen.instance([None, None, None, None, None]) is None


def test_insert_rows_stores_every_field_type_like_save(org):
    import uuid

    from bangban.core import crypto
    from bangban.notifications.models import Message

    phone = crypto.phone_columns("13800138000")

    def build(key):
        return Message(
            **phone,
            text="【帮办代办】您的办件已受理",
            event="accepted",
            object_type="cases.case",
            object_id="7",
            institution=org.town,
            dedupe_key=key,
            idempotency_key=uuid.UUID(int=hash(key) & (2**128 - 1)),
            attempts=2,
            status="failed",
            last_error="未发送：号码无效",
        )

    build("orm").save()
    insert_rows([build("rows")])
    orm, rows = Message.objects.get(dedupe_key="orm"), Message.objects.get(dedupe_key="rows")
    skip = {"id", "dedupe_key", "idempotency_key", "created_at", "updated_at"}
    for field in Message._meta.concrete_fields:
        if field.attname not in skip:
            assert getattr(rows, field.attname) == getattr(orm, field.attname), field.attname
    assert isinstance(rows.idempotency_key, uuid.UUID) and rows.updated_at.tzinfo is not None
