import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.cases.tests.conftest import make_item
from bangban.complaints import services

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10):
    """Freeze the clock at a Shanghai time."""
    return time_machine.travel(datetime.datetime(y, m, d, hour, tzinfo=SH), tick=False)


def register(org, by="town_agent", **kw):
    data = dict(
        channel="window",
        content="窗口人员态度差，材料被退回三次",
        complainant_name="王芳",
        phone="13912345678",
    )
    return services.complaint_register(by=org.user(by), **(data | kw))


@pytest.fixture
def item(org):
    return make_item(org, "个体工商户登记", promised=5)


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
