import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.cases import services as case_services
from bangban.cases.tests.conftest import make_item

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return time_machine.travel(datetime.datetime(y, m, d, h, tzinfo=SH), tick=False)


def open_case(org, agent_key="station_agent", *, on=(2025, 11, 3), item=None):
    """A 帮办 case accepted and started on `on` (5 working days: 2025-11-03 → due 2025-11-10)."""
    with at(*on):
        case = case_services.case_create(
            by=org.user(agent_key),
            kind="help",
            mode="assist",
            applicant_type="person",
            applicant_name="王阿婆",
            id_number="11010519491231002X",
            phone="13812345678",
            items=[item],
            accept_now=True,
        )
        case = case_services.case_start(case=case, by=org.user(agent_key))
    return case


@pytest.fixture
def item(org):
    return make_item(org, "个体工商户登记", promised=5, code_seq=1)


@pytest.fixture
def red_case(org, item):
    """Overdue from 2025-11-11 (red); the tests travel to 2025-11-12."""
    return open_case(org, item=item)


@pytest.fixture
def other_supervisor(org):
    from bangban.accounts.roles import Role
    from bangban.core.testing import make_user

    return make_user("other_supervisor", org.other_county, [Role.SUPERVISOR])
