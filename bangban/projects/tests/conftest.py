import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.accounts.roles import Role
from bangban.core.testing import make_user
from bangban.org.services import department_create
from bangban.projects import services

SH = ZoneInfo("Asia/Shanghai")
CREDIT = "91350100M000100Y43"  # a valid 统一社会信用代码 (GB 32100 check character)

DEPARTMENTS = {
    "fgw": "区发展和改革局",
    "zrzy": "区自然资源和规划局",
    "sthj": "区生态环境局",
    "zjj": "区住房和城乡建设局",
}


def at(y, m, d, hour=10):
    """Freeze the clock at a Shanghai time (tick=False)."""
    return time_machine.travel(datetime.datetime(y, m, d, hour, tzinfo=SH), tick=False)


def add_departments(org):
    """Four stationed departments in the county center, each with a 专职协办员 and a 首席协办员."""
    org.depts = {}
    for key, name in DEPARTMENTS.items():
        dept = department_create(by=None, institution=org.county, name=name, credit_code="")
        org.depts[key] = dept
        org.users[f"{key}_liaison"] = make_user(f"{key}_liaison", org.county, [Role.LIAISON], dept)
        org.users[f"{key}_chief"] = make_user(f"{key}_chief", org.county, [Role.CHIEF_LIAISON], dept)
    org.users["county_agent"] = make_user("county_agent", org.county, [Role.AGENT])
    return org


@pytest.fixture
def porg(org):
    return add_departments(org)


def register(org, by="coordinator", **kw):
    data = dict(
        name="年产十万吨新材料项目",
        project_type="industrial",
        level="municipal",
        investor_name="苏州新材料科技有限公司",
        investor_credit_code=CREDIT,
        investment="50000",
        land_area="120.5",
        division="320505",
        lead_agent=org.user("county_agent").pk,
        coordinator=org.user("coordinator").pk,
        contact_name="李经理",
        phone="13912345678",
        entrustment_scope="立项至竣工验收及公用设施接入全流程代办",
        entrustment_start="2026-03-01",
        entrustment_end="2027-03-01",
    )
    return services.project_register(by=org.user(by), **(data | kw))


def item(project, name):
    return project.items.get(name=name)
