"""Applicants' phone numbers: encrypted at rest, found by a keyed hash, masked in lists, revealed with audit."""

import io

import pytest
from django.db import connection
from pypdf import PdfReader

from bangban.audit.models import AuditEvent
from bangban.cases import documents, queue, services
from bangban.cases.models import Case
from bangban.cases.selectors import case_list
from bangban.core import crypto
from bangban.core.errors import NotInScope
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def register(org, items, phone=PHONE, user="town_agent", accept_now=True):
    return services.case_create(
        by=org.user(user),
        kind="help",
        mode="assist",
        applicant_type="person",
        applicant_name="王小明",
        id_number="11010519491231002X",
        phone=phone,
        items=[items["license"]],
        accept_now=accept_now,
    )


def _raw_rows(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # every column, whatever the model says
        return [" ".join(str(v) for v in row) for row in cursor.fetchall()]


def test_no_clear_phone_in_the_case_or_outbox_rows(org, items):
    case = register(org, items)  # accept_now: the one-statement insert of the case and its SMS
    for row in _raw_rows("cases_case") + _raw_rows("notifications_message"):
        assert PHONE not in row
    stored = Case.objects.get(pk=case.pk)
    assert crypto.key_id(stored.phone_encrypted) == crypto.keyring().current_id
    assert crypto.decrypt(stored.phone_encrypted) == PHONE
    assert stored.phone_hash == crypto.lookup_hash(PHONE)
    assert stored.phone_masked == "139****5678"
    message = Message.objects.get(object_id=str(case.pk))
    assert (message.phone_masked, message.phone_hash) == ("139****5678", crypto.lookup_hash(PHONE))
    assert message.recipient() == PHONE


def test_a_landline_is_stored_encrypted_and_gets_no_sms(org, items):
    case = register(org, items, phone="0512-66668888")
    assert case.phone_masked == "051******8888"
    assert not Message.objects.filter(object_id=str(case.pk)).exists()


def test_both_queue_paths_find_a_case_by_its_phone_number(org, items):
    case = register(org, items)
    register(org, items, phone="13800000000")
    user = org.user("town_agent")
    assert list(case_list(user=user, q=PHONE)) == [case]
    assert list(case_list(user=user, q=" 139 1234 5678 ")) == [case]  # spaces as typed
    rows = queue.page(user=user, filters=queue.Filters(q=PHONE), offset=0, limit=10)
    assert [r[0] for r in rows] == [case.pk]
    assert list(case_list(user=user, q="1391234")) == []  # a part of a number finds nothing


def test_lists_show_the_masked_number(org, items, api, web):
    case = register(org, items)
    client = api(org.user("town_agent"))
    listed = client.get("/api/v1/cases/").json()["results"]
    assert [r["phone"] for r in listed] == ["139****5678"]
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["phone"] == "139****5678"
    page = web(org.user("town_agent")).get(f"/cases/{case.pk}/").content.decode()
    assert "139****5678" in page and PHONE not in page
    sms = client.get("/api/v1/notifications/messages/", {"q": PHONE})
    assert sms.status_code == 200
    assert [m["phone"] for m in sms.json()["results"]] == ["139****5678"]


def test_printed_forms_carry_the_masked_number(org, items):
    case = register(org, items)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(documents.render(case, "A"))).pages)
    assert "139****5678" in text and PHONE not in text


def test_reveal_phone_is_for_handlers_and_audited(org, items, api):
    case = register(org, items)
    assert services.case_reveal_phone(case=case, by=org.user("town_agent")) == PHONE
    row = AuditEvent.objects.get(action="cases.case.reveal_phone", object_id=str(case.pk))
    assert PHONE not in row.note and PHONE not in str(row.changes)
    with pytest.raises(NotInScope):
        services.case_reveal_phone(case=case, by=org.user("station_agent"))
    answer = api(org.user("town_agent")).post(f"/api/v1/cases/{case.pk}/reveal-phone/")
    assert answer.status_code == 200 and answer.json() == {"phone": PHONE}
    assert AuditEvent.objects.filter(action="cases.case.reveal_phone").count() == 2


def test_reveal_phone_on_the_page(org, items, web):
    case = register(org, items)
    client = web(org.user("town_agent"))
    response = client.post(f"/cases/{case.pk}/do/reveal_phone/", follow=True)
    assert PHONE in response.content.decode()
    assert AuditEvent.objects.filter(action="cases.case.reveal_phone", object_id=str(case.pk)).exists()
