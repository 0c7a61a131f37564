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
