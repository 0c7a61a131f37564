"""`bangban reencrypt` after a key rotation: bounded (interrupted) run, rerun, idempotent, old keys dropped."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from bangban.audit.models import AuditEvent
from bangban.cases import services
from bangban.cases.models import Case
from bangban.cases.selectors import case_list
from bangban.core import crypto
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
K1, K2 = "k1:" + "11" * 16, "k2:" + "22" * 16
FERNET = Fernet.generate_key().decode()
ID = "11010519491231002X"


def phone(n):
    return f"1391234{n:04d}"


def run(**options) -> str:
    out = io.StringIO()
    call_command("reencrypt", stdout=out, **options)
    return out.getvalue()


def key_ids() -> set:
    values = [
        v for pair in Case.objects.values_list("applicant_id_encrypted", "phone_encrypted") for v in pair
    ]
    values += list(Message.objects.values_list("phone_encrypted", flat=True))
    return {crypto.key_id(v) for v in values if v}


def test_rotation_rerun_and_only_the_new_key_left(org, items, settings):
    settings.BANGBAN_FIELD_KEYS, settings.BANGBAN_LOOKUP_KEY = f"{K1},{FERNET}", "a" * 40
    cases = [
        services.case_create(
            by=org.user("town_agent"),
            kind="help",
            mode="assist",
            applicant_type="person",
            applicant_name=f"申请人{n}",
            id_number=ID,
            phone=phone(n),
            items=[items["license"]],
            accept_now=True,
        )
        for n in range(3)
    ]
    # one ID number still in the Fernet format of before the move to SM4
    Case.objects.filter(pk=cases[2].pk).update(
        applicant_id_encrypted=Fernet(FERNET).encrypt(ID.encode()).decode()
    )
    assert key_ids() == {"k1", None} and Message.objects.count() == 3

    settings.BANGBAN_FIELD_KEYS, settings.BANGBAN_LOOKUP_KEY = f"{K2},{K1},{FERNET}", "b" * 40
    out = run(batch_size=1, max_batches=1)  # an interrupted run: one row of each table
    assert "未完成" in out
    assert key_ids() == {"k1", "k2", None}
    first = Case.objects.order_by("pk").first()
    assert (
        crypto.key_id(first.phone_encrypted) == "k2" and crypto.key_id(first.applicant_id_encrypted) == "k2"
    )

    out = run(batch_size=2)
    assert "全部完成" in out
    assert "办件：检查 3 行，重新加密 4 个值，重算摘要 4 个" in out  # the rest: 2 cases × (ID, phone)
    assert "短信：检查 3 行，重新加密 2 个值，重算摘要 2 个" in out
    assert key_ids() == {"k2"}

    out = run()  # rerun: nothing left to do
    assert "重新加密 0 个值，重算摘要 0 个" in out and "重新加密 1" not in out

    settings.BANGBAN_FIELD_KEYS = K2  # the old keys are gone
    for n, case in enumerate(Case.objects.order_by("pk")):
        assert services.case_reveal_phone(case=case, by=org.user("town_agent")) == phone(n)
        assert services.case_reveal_id(case=case, by=org.user("town_agent")) == ID
    assert sorted(m.recipient() for m in Message.objects.all()) == [phone(n) for n in range(3)]
    user = org.user("town_agent")
    assert list(case_list(user=user, q=phone(1))) == [cases[1]]  # hashes under the new lookup key
    assert len(case_list(user=user, q=ID)) == 3
    runs = AuditEvent.objects.filter(action="core.reencrypt").order_by("id")
    assert [("未完成" in r.note) for r in runs] == [True, False, False]


def test_a_value_under_a_missing_key_stops_the_run_with_a_clear_error(org, items, settings):
    settings.BANGBAN_FIELD_KEYS = K1
    services.case_create(
        by=org.user("town_agent"),
        kind="help",
        mode="assist",
        applicant_type="person",
        applicant_name="申请人",
        id_number=ID,
        phone=phone(0),
        items=[items["license"]],
    )
    settings.BANGBAN_FIELD_KEYS = K2  # k1 dropped too early
    with pytest.raises(CommandError, match="密钥 k1 未配置"):
        run()
    with pytest.raises(CommandError, match="正整数"):
        run(batch_size=0)
