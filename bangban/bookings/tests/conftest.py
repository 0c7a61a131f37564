import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.bookings.models import Slot
from bangban.cases.tests.conftest import make_item
from bangban.notifications.models import Message

SH = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"
# Tuesday 1 December 2026, 10:00 in Shanghai: slots from Wednesday 2 December on are bookable.
NOW = datetime.datetime(2026, 12, 1, 10, tzinfo=SH)
TOMORROW = datetime.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def item(org):
    return make_item(org, "社会保障卡申领", promised=5)


def make_slot(institution, *, date=TOMORROW, hour=9, capacity=2, booked=0) -> Slot:
    return Slot.objects.create(
        institution=institution,
        date=date,
        start=datetime.time(hour),
        end=datetime.time(hour + 1),
        capacity=capacity,
        booked=booked,
    )


def last_code(phone: str = PHONE) -> str:
    """The code of the newest verification SMS to `phone` (read from the outbox, as a test may)."""
    from bangban.core import crypto

    message = (
        Message.objects.filter(event=Message.Event.VERIFY, phone_hash=crypto.lookup_hash(phone))
        .order_by("-id")
        .first()
    )
    assert message is not None, "no verification SMS was written"
    return re.search(r"验证码(\d{6})", message.text).group(1)


def ask(org, item, *, slot=None, code=None, way="window", **kw):
    """Send a request code and file a window request with it."""
    from bangban.bookings import services

    if code is None:
        services.request_code(phone=kw.get("phone", PHONE))
        code = last_code(kw.get("phone", PHONE))
    data = dict(
        institution=org.town,
        kind="help",
        way=way,
        applicant_name="李大爷",
        phone=PHONE,
        code=code,
        items=[item.pk],
        slot_id=slot.pk if slot else None,
    )
    return services.request_create(**(data | kw))
