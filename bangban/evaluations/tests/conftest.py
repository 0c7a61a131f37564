import pytest

from bangban.cases import services as case_services
from bangban.cases.tests.conftest import make_item


@pytest.fixture
def items(org):
    return {"license": make_item(org, "个体工商户登记", promised=5, code_seq=1)}


def person(**extra):
    return {
        "applicant_type": "person",
        "applicant_name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
    } | extra


@pytest.fixture
def new_case(org, items):
    """A help case of `user`'s institution, accepted (and completed when asked)."""

    def make(user="station_agent", *, complete=False, **extra):
        by = org.user(user)
        case = case_services.case_create(
            by=by, kind="help", mode="assist", items=[items["license"]], accept_now=True, **person(**extra)
        )
        if complete:
            case = case_services.case_start(case=case, by=by)
            case = case_services.case_complete(case=case, by=by, result="已办结")
        return case

    return make
