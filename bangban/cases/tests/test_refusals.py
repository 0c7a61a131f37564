"""Actions that cannot happen are refused with a message, never a server error (pages and API)."""

import datetime

import pytest

from bangban.cases import services
from bangban.cases.models import Suspension
from bangban.core.errors import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_progress(org, items):
    by = org.user("town_agent")
    case = services.case_create(
        by=by,
        kind="agency",
        mode="agency",
        items=[items["license"]],
        applicant_type="person",
        applicant_name="王阿婆",
        id_number="11010519491231002X",
        phone="13812345678",
    )
    case = services.case_analyse(case=case, by=by, analysis="全程代办")
    today = datetime.date.today()
    case = services.case_entrust(
        case=case, by=by, scope="whole", period_start=today, period_end=today + datetime.timedelta(days=30)
    )
    return services.case_start(case=case, by=by)


def test_a_second_suspension_is_refused_and_writes_nothing(org, in_progress):
    by = org.user("town_agent")
    case = services.case_suspend(case=in_progress, by=by, reason="materials")
    with pytest.raises(ServiceError) as refused:
        services.case_suspend(case=case, by=by, reason="materials")
    assert refused.value.code == "invalid_transition" and "中止" in refused.value.message
    assert Suspension.objects.filter(case=case).count() == 1


def test_a_second_entrustment_is_refused(org, in_progress):
    today = datetime.date.today()
    with pytest.raises(ServiceError) as refused:
        services.case_entrust(
            case=in_progress, by=org.user("town_agent"), scope="whole", period_start=today, period_end=today
        )
    assert refused.value.code == "invalid_transition"
    assert in_progress.entrustments.count() == 1


def test_second_suspension_through_the_api_is_a_json_400(org, in_progress, api):
    client = api(org.user("town_agent"))
    url = f"/api/v1/cases/{in_progress.pk}/suspend/"
    assert client.post(url, {"reason": "materials"}, format="json").status_code == 200
    response = client.post(url, {"reason": "materials"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("version", ["abc", "1.5", "99999999999999999999999", "-1"])
def test_a_non_integer_version_posted_to_a_case_page_is_a_message(org, in_progress, web, version):
    client = web(org.user("town_agent"))
    response = client.post(
        f"/cases/{in_progress.pk}/act/suspend/", {"suspend-reason": "materials", "version": version}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "办件版本无效" in page.content.decode() or "已被他人更新" in page.content.decode()
    in_progress.refresh_from_db()
    assert in_progress.status == "in_progress"


@pytest.mark.parametrize("name,field", [("material_return", "material"), ("task_complete", "task")])
def test_non_numeric_ids_posted_to_a_case_page_are_a_message(org, in_progress, web, name, field):
    client = web(org.user("town_agent"))
    response = client.post(f"/cases/{in_progress.pk}/do/{name}/", {field: "null"})
    assert response.status_code == 302
