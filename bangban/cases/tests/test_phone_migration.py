"""The data migrations encrypt the phone numbers that were stored in clear (cases and SMS outbox)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bangban.cases.models import Case
from bangban.core import crypto
from bangban.notifications.models import Message

BEFORE = [
    ("cases", "0004_case_phone_encrypted_columns"),
    ("notifications", "0004_message_phone_encrypted_columns"),
]


# The migration's Python is under test; the production database runs it.
@pytest.mark.one_database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_existing_clear_phones_are_encrypted_by_the_migrations(org):
    institution, user = org.town, org.user("town_agent")
    for app, name in BEFORE:
        call_command("migrate", app, name, verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldCase, OldMessage = old.get_model("cases", "Case"), old.get_model("notifications", "Message")
    legacy = OldCase.objects.create(
        number="320505-2025-000001",
        kind="help",
        mode="assist",
        status="consulting",
        applicant_type="person",
        applicant_name="王小明",
        phone="13912345678",
        institution_id=institution.pk,
        created_by_id=user.pk,
        tracking_token="t" * 32,
    )
    OldMessage.objects.create(
        phone="13912345678", text="【帮办代办】已受理", event="accepted", dedupe_key="legacy:1"
    )
    call_command("migrate", verbosity=0)

    case = Case.objects.get(pk=legacy.pk)
    assert crypto.decrypt(case.phone_encrypted) == "13912345678"
    assert (case.phone_hash, case.phone_masked) == (crypto.lookup_hash("13912345678"), "139****5678")
    message = Message.objects.get(dedupe_key="legacy:1")
    assert message.recipient() == "13912345678" and message.phone_masked == "139****5678"
    columns = {
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "cases_case")
    }
    assert "phone" not in columns
