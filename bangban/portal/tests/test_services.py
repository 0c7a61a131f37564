"""留言咨询 through the portal: registered as an online consultation, throttled per address and phone."""

import pytest

from bangban.audit.models import AuditEvent
from bangban.complaints.models import Consultation
from bangban.core.errors import ServiceError
from bangban.core.ids import mobile_problem
from bangban.portal import rules, services
from bangban.portal.tests.conftest import fresh_code

pytestmark = pytest.mark.django_db


def submit(org, **kw):
    data = dict(institution=org.town, question="能上门办吗？", phone="13912345678", client="10.0.0.1")
    data |= kw
    if "code" not in data:
        data["code"] = "" if mobile_problem(data["phone"] or "x") else fresh_code(data["phone"])
    return services.question_submit(**data)


def test_the_question_needs_the_sms_code_sent_to_the_phone(org):
    from bangban.bookings.tests.conftest import last_code
    from bangban.notifications.models import Message

    services.question_code(phone="13912345678", client="10.0.0.1")
    sms = Message.objects.get(event=Message.Event.VERIFY)
    assert "留言咨询" in sms.text
    code = last_code("13912345678")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ServiceError) as e:
        submit(org, code=wrong)
    assert e.value.field == "code" and "验证码不正确" in e.value.message
    with pytest.raises(ServiceError) as e:
        submit(org, code="")
    assert e.value.field == "code"
    assert not Consultation.objects.exists()
    submit(org, code=code)
    with pytest.raises(ServiceError) as e:  # used once
        submit(org, code=code)
    assert e.value.code == "code_expired"
    assert Consultation.objects.count() == 1


def test_a_code_sent_to_another_phone_or_for_a_request_does_not_do(org):
    from bangban.bookings import services as bookings

    with pytest.raises(ServiceError):
        submit(org, code=fresh_code("13812345678"))
    bookings.request_code(phone="13912345678")
    from bangban.bookings.tests.conftest import last_code

    with pytest.raises(ServiceError):
        submit(org, code=last_code("13912345678"))
    assert not Consultation.objects.exists()


def test_a_refused_question_leaves_the_code_usable(org):
    code = fresh_code()
    with pytest.raises(ServiceError):
        submit(org, code=code, question="")
    submit(org, code=code)
    assert Consultation.objects.count() == 1


def test_a_question_becomes_an_online_consultation_with_its_audit_row(org, item):
    c = submit(org, asker_name="王阿婆", item=item.pk)
    assert c.channel == "online" and c.institution == org.town and c.item_id == item.pk
    assert c.asker_name == "王阿婆" and c.phone_masked == "139****5678"
    assert (
        AuditEvent.objects.filter(action="complaints.consultation.receive", object_id=str(c.pk)).count() == 1
    )


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"phone": ""}, "phone"),
        ({"phone": "0512-12345"}, "phone"),  # the answer goes by SMS
        ({"phone": "1391234567"}, "phone"),
        ({"question": ""}, "question"),
        ({"question": "问" * 1001}, "question"),
        ({"asker_name": "名" * 51}, "asker_name"),
        ({"item": 999999}, "item"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(org, kw, field):
    with pytest.raises(ServiceError) as e:
        submit(org, **kw)
    assert e.value.field == field
    assert not Consultation.objects.exists()


def test_one_phone_number_is_throttled(org):
    limit = rules.ASK_LIMIT_PER_PHONE[0]
    for n in range(limit):
        submit(org, client=f"10.0.0.{n}")
    with pytest.raises(ServiceError) as e:
        submit(org, client="10.0.1.1")
    assert e.value.code == "throttled" and "提交次数过多" in e.value.message
    assert Consultation.objects.count() == limit
    submit(org, phone="13812345678", client="10.0.1.1")  # another person is not affected


def test_one_address_is_throttled(org):
    limit = rules.ASK_LIMIT_PER_IP[0]
    for n in range(limit):
        submit(org, phone=f"139000000{n:02d}")
    with pytest.raises(ServiceError):
        submit(org, phone="13800000000")
    assert Consultation.objects.count() == limit
    submit(org, phone="13800000000", client="10.0.0.2")


def test_refused_submissions_do_not_count(org):
    for _ in range(rules.ASK_LIMIT_PER_PHONE[0] + 3):
        with pytest.raises(ServiceError):
            submit(org, question="")
    submit(org)  # the person's mistakes did not use up their questions
    assert Consultation.objects.count() == 1


def test_phone_numbers_are_not_kept_in_clear_in_the_cache(org):
    from django.core.cache import cache

    submit(org)
    assert cache.get(services._key("phone", "13912345678")) == 1
    assert "13912345678" not in services._key("phone", "13912345678")
