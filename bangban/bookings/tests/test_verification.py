import datetime

import pytest

from bangban.bookings import verification
from bangban.bookings.models import PhoneCode
from bangban.bookings.tests.conftest import PHONE, last_code
from bangban.core import crypto
from bangban.core.errors import ServiceError
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
R = PhoneCode.Purpose.REQUEST


def use(code, phone=PHONE, purpose=R, subject=""):
    with verification.code_consuming(phone=phone, purpose=purpose, code=code, subject=subject) as row:
        return row


def refusal(code, **kw):
    with pytest.raises(ServiceError) as exc:
        use(code, **kw)
    return exc.value


def test_issue_stores_only_a_hash_and_sends_one_sms():
    row = verification.code_issue(phone=PHONE, purpose=R)
    code = last_code()
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.phone_hash == crypto.lookup_hash(PHONE)
    assert row.expires_at - row.created_at == datetime.timedelta(minutes=5)
    message = Message.objects.get(event=Message.Event.VERIFY)
    assert message.dedupe_key == f"verify:{row.pk}" and len(message.text) <= 70


def test_right_code_is_used_once():
    verification.code_issue(phone=PHONE, purpose=R)
    code = last_code()
    row = use(code)
    assert row.used_at is not None
    assert refusal(code).code == "code_expired"


def test_code_is_bound_to_phone_purpose_and_subject():
    verification.code_issue(phone=PHONE, purpose=R, subject="7")
    code = last_code()
    assert refusal(code, phone="13800000000").code == "code_expired"
    assert refusal(code, purpose=PhoneCode.Purpose.TRACK, subject="7").code == "code_expired"
    assert refusal(code, subject="8").code == "code_expired"
    assert use(code, subject="7").used_at is not None


def test_code_expires_after_five_minutes(frozen):
    verification.code_issue(phone=PHONE, purpose=R)
    code = last_code()
    frozen.shift(datetime.timedelta(minutes=5, seconds=1))
    assert refusal(code).code == "code_expired"


def test_code_still_valid_just_before_expiry(frozen):
    verification.code_issue(phone=PHONE, purpose=R)
    code = last_code()
    frozen.shift(datetime.timedelta(minutes=4, seconds=59))
    assert use(code).used_at is not None


def test_five_wrong_tries_kill_the_code():
    verification.code_issue(phone=PHONE, purpose=R)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    messages = [refusal(wrong).message for _ in range(5)]
    assert messages[0] == "验证码不正确，还可以再试 4 次"
    assert messages[3] == "验证码不正确，还可以再试 1 次"
    assert "错误次数过多" in messages[4]
    assert PhoneCode.objects.get().attempts == 5
    assert refusal(code).code == "code_expired"  # the right code no longer works


def test_failure_inside_the_block_leaves_the_code_unused():
    verification.code_issue(phone=PHONE, purpose=R)
    code = last_code()
    with pytest.raises(RuntimeError):
        with verification.code_consuming(phone=PHONE, purpose=R, code=code):
            raise RuntimeError("the work failed")
    assert PhoneCode.objects.get().used_at is None
    assert use(code).used_at is not None


@pytest.mark.parametrize(
    "code,expected", [("", "required"), ("12345", "invalid"), ("12a456", "invalid"), ("1234567", "invalid")]
)
def test_malformed_code_is_refused_before_any_lookup(code, expected):
    verification.code_issue(phone=PHONE, purpose=R)
    assert refusal(code).code == expected
    assert PhoneCode.objects.get().attempts == 0


@pytest.mark.parametrize("phone", ["", "1391234567", "23912345678", "1391234567x", "139123456789"])
def test_bad_phone_refused_nothing_saved(phone):
    with pytest.raises(ServiceError) as exc:
        verification.code_issue(phone=phone, purpose=R)
    assert exc.value.field == "phone" and "手机号码" in exc.value.message
    assert not PhoneCode.objects.exists() and not Message.objects.exists()


def test_resend_waits_a_minute(frozen):
    verification.code_issue(phone=PHONE, purpose=R)
    with pytest.raises(ServiceError) as exc:
        verification.code_issue(phone=PHONE, purpose=R)
    assert exc.value.code == "throttled" and "1 分钟" in exc.value.message
    assert PhoneCode.objects.count() == 1
    frozen.shift(datetime.timedelta(seconds=61))
    verification.code_issue(phone=PHONE, purpose=R)
    assert PhoneCode.objects.count() == 2


def test_hourly_limit_per_phone(frozen, settings):
    settings.BANGBAN_CODES_PER_HOUR = 3
    for _ in range(3):
        verification.code_issue(phone=PHONE, purpose=R)
        frozen.shift(datetime.timedelta(seconds=61))
    with pytest.raises(ServiceError) as exc:
        verification.code_issue(phone=PHONE, purpose=R)
    assert "1 小时" in exc.value.message
    assert PhoneCode.objects.count() == 3


def test_hourly_limit_per_client_address(frozen, settings):
    settings.BANGBAN_CODES_PER_HOUR_IP = 2
    verification.code_issue(phone="13900000001", purpose=R, client="203.0.113.5")
    verification.code_issue(phone="13900000002", purpose=R, client="203.0.113.5")
    with pytest.raises(ServiceError) as exc:
        verification.code_issue(phone="13900000003", purpose=R, client="203.0.113.5")
    assert exc.value.code == "throttled"
    verification.code_issue(phone="13900000003", purpose=R, client="198.51.100.7")
    assert PhoneCode.objects.count() == 3


def test_send_false_throttles_but_stores_and_sends_nothing():
    assert verification.code_issue(phone=PHONE, purpose=R, send=False) is None
    assert not PhoneCode.objects.exists() and not Message.objects.exists()
    with pytest.raises(ServiceError):
        verification.code_issue(phone=PHONE, purpose=R, send=False)


def test_dead_codes_are_purged_after_a_day(frozen):
    from bangban.bookings.tasks import purge_codes

    verification.code_issue(phone=PHONE, purpose=R)
    frozen.shift(datetime.timedelta(hours=23))
    assert purge_codes() == 0
    frozen.shift(datetime.timedelta(hours=2))
    assert purge_codes() == 1 and not PhoneCode.objects.exists()
