import pytest

from bangban.cases.tests.conftest import make_item


@pytest.fixture
def item(org):
    return make_item(org, "社会保障卡申领", promised=5)


def make_case(org, item, by="town_agent"):
    from bangban.cases.services import case_create

    return case_create(
        by=org.user(by),
        kind="help",
        mode="assist",
        items=[item],
        applicant_type="person",
        applicant_name="张三",
        id_number="11010519491231002X",
        phone="13812345678",
        accept_now=True,
    )


def fresh_code(phone: str = "13912345678") -> str:
    """A live 留言咨询 code for `phone`, stored as bookings.verification stores one (without its resend
    throttle, so a test may ask many questions from one phone)."""
    import datetime

    from django.utils import timezone

    from bangban.bookings import verification
    from bangban.bookings.models import PhoneCode
    from bangban.core import crypto

    phone_hash = crypto.lookup_hash(phone)
    code = f"{PhoneCode.objects.count() % 1000000:06d}"
    purpose = PhoneCode.Purpose.CONSULT
    now = timezone.now()
    PhoneCode.objects.create(
        phone_hash=phone_hash,
        purpose=purpose,
        subject="",
        code_hash=verification._hash(phone_hash, purpose, "", code),
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=5),
    )
    return code
