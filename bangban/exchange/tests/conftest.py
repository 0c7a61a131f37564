"""A test month (September 2025) of records of every kind, built through the real services."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.accounts.roles import Role
from bangban.cases import services as cases
from bangban.cases.models import Case
from bangban.cases.tests.conftest import make_item
from bangban.complaints.services import complaint_register
from bangban.core.testing import make_user
from bangban.evaluations.services import review_submit_at_window

SH = ZoneInfo("Asia/Shanghai")
SINCE, UNTIL = datetime.date(2025, 9, 1), datetime.date(2025, 9, 30)


def at(y, m, d, hour=10):
    return time_machine.travel(datetime.datetime(y, m, d, hour, tzinfo=SH), tick=False)


@dataclass
class Month:
    help_case: Case
    agency_case: Case
    terminated: Case
    other_case: Case  # in the other county: outside the county staff's scope


def build_month(org) -> Month:
    agent = org.user("town_agent")
    with at(2025, 9, 1):
        item = make_item(org, "个体工商户登记", promised=5)
        other_agent = make_user("other_agent", org.other_county, [Role.AGENT])
    with at(2025, 9, 8):
        help_case = cases.case_create(
            by=agent, kind="help", mode="assist", items=[item], applicant_type="person",
            applicant_name="张三", id_number="11010519491231002X", phone="13812345678", accept_now=True,
        )  # fmt: skip
    with at(2025, 9, 9):
        cases.case_start(case=help_case, by=agent)
    with at(2025, 9, 10):
        help_case = cases.case_complete(case=help_case, by=agent, result="已发放营业执照")
    with at(2025, 9, 11):
        agency = cases.case_create(
            by=agent, kind="agency", mode="agency", items=[item], applicant_type="enterprise",
            applicant_name="苏州通安科技有限公司", credit_code=org.department.credit_code,
            contact_name="李四", phone="13912345678",
        )  # fmt: skip
        cases.case_analyse(case=agency, by=agent, analysis="需代办全部环节")
        cases.case_entrust(
            case=agency, by=agent, scope="whole",
            period_start=datetime.date(2025, 9, 11), period_end=datetime.date(2025, 10, 31),
        )  # fmt: skip
    with at(2025, 9, 15):
        agency = cases.case_start(case=agency, by=agent)
    with at(2025, 9, 16):
        review_submit_at_window(
            by=agent, level=2, aspects=("efficiency",), comment="等待时间长", case=help_case
        )
    with at(2025, 9, 17):
        complaint_register(
            by=agent, channel="phone", content="窗口排队两小时", complainant_name="王芳", phone="13700001111"
        )
        terminated = cases.case_create(
            by=agent, kind="help", mode="guide", items=[item], applicant_type="person",
            applicant_name="赵六", id_number="11010519491231002X", phone="13600002222", accept_now=True,
        )  # fmt: skip
        terminated = cases.case_terminate(case=terminated, by=agent, reason="申请人撤回申请")
    with at(2025, 9, 18):
        other = cases.case_create(
            by=other_agent, kind="help", mode="assist", items=[item], applicant_type="person",
            applicant_name="钱七", id_number="11010519491231002X", phone="13500003333", accept_now=True,
        )  # fmt: skip
    return Month(help_case, agency, terminated, other)


@pytest.fixture
def month(org):
    return build_month(org)
