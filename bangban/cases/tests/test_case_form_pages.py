"""Transfer and joint task on pages of their own: the case page links to them instead of drawing their
long choice lists on every view, and each page validates, refuses out of scope and changes nothing on error."""

import datetime

import pytest

from bangban.cases import services
from bangban.cases.models import JointTask, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(org, items):
    by = org.user("town_agent")
    case = services.case_create(
        by=by,
        kind="help",
        mode="assist",
        items=[items["license"]],
        applicant_type="person",
        applicant_name="李大爷",
        id_number="11010519491231002X",
        phone="13812345678",
    )
    case = services.case_apply(case=case, by=by)
    return services.case_accept(case=case, by=by)


def test_the_case_page_links_to_both_pages_without_drawing_their_lists(org, accepted, web):
    page = web(org.user("town_agent")).get(f"/cases/{accepted.pk}/").content.decode()
    assert f"/cases/{accepted.pk}/transfer/" in page and f"/cases/{accepted.pk}/task/" in page
    assert org.county.name not in page  # the transfer's institution list is not on the case page
    assert 'name="transfer-to_institution"' not in page and 'name="task-department"' not in page


def test_transfer_page_lists_the_tree_and_sends(org, accepted, web):
    client = web(org.user("town_agent"))
    page = client.get(f"/cases/{accepted.pk}/transfer/").content.decode()
    assert org.county.name in page and org.station.name in page
    assert org.other_county.name not in page  # another tree is never offered
    response = client.post(
        f"/cases/{accepted.pk}/transfer/",
        {"transfer-to_institution": org.county.pk, "transfer-reason": "需县级审批"},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{accepted.pk}/"
    transfer = Transfer.objects.get(case=accepted)
    assert transfer.to_institution == org.county and transfer.state == Transfer.State.PENDING


@pytest.mark.parametrize(
    "data,message",
    [
        ({"transfer-reason": "需县级审批"}, "「接收机构」为必填项"),
        ({"transfer-to_institution": "abc", "transfer-reason": "x"}, "接收机构"),
        ({"transfer-to_institution": "99999999", "transfer-reason": "x"}, "接收机构"),
        ({"transfer-reason": "x" * 2001, "transfer-to_institution": "1"}, "转办原因"),
    ],
)
def test_bad_transfer_input_is_shown_on_the_page_and_changes_nothing(org, accepted, web, data, message):
    response = web(org.user("town_agent")).post(f"/cases/{accepted.pk}/transfer/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Transfer.objects.exists()


def test_an_institution_of_another_tree_is_refused(org, accepted, web):
    response = web(org.user("town_agent")).post(
        f"/cases/{accepted.pk}/transfer/",
        {"transfer-to_institution": org.other_county.pk, "transfer-reason": "x"},
    )
    assert response.status_code == 200 and not Transfer.objects.exists()


def test_a_service_refusal_is_a_form_error(org, accepted, web):
    client = web(org.user("town_agent"))
    data = {"transfer-to_institution": org.county.pk, "transfer-reason": "需县级审批"}
    client.post(f"/cases/{accepted.pk}/transfer/", data)
    response = client.post(f"/cases/{accepted.pk}/transfer/", data)
    assert response.status_code == 200 and "已有一笔转办等待接收" in response.content.decode()
    assert Transfer.objects.count() == 1


def test_task_page_creates_a_task(org, accepted, web):
    client = web(org.user("town_agent"))
    page = client.get(f"/cases/{accepted.pk}/task/").content.decode()
    assert org.department.name in page
    due = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        f"/cases/{accepted.pk}/task/",
        {"task-department": org.department.pk, "task-description": "出具意见", "task-due_date": due},
    )
    assert response.status_code == 302
    assert JointTask.objects.get(case=accepted).description == "出具意见"


def test_task_page_bad_date_changes_nothing(org, accepted, web):
    response = web(org.user("town_agent")).post(
        f"/cases/{accepted.pk}/task/",
        {"task-department": org.department.pk, "task-description": "出具意见", "task-due_date": "明天"},
    )
    assert response.status_code == 200 and "任务期限" in response.content.decode()
    assert not JointTask.objects.exists()


@pytest.mark.parametrize("page", ["transfer", "task"])
def test_out_of_scope_is_not_found_and_without_the_capability_refused(org, accepted, web, client, page):
    assert web(org.user("town2_agent")).get(f"/cases/{accepted.pk}/{page}/").status_code == 404
    client.logout()
    assert web(org.user("supervisor")).get(f"/cases/{accepted.pk}/{page}/").status_code == 403


def test_the_case_page_offers_the_waiting_transfer_and_the_departments_open_task(org, accepted, web):
    # Both are picked from the lists the page shows (the view reads each list once).
    town_agent = org.user("town_agent")
    back = services.transfer_send(case=accepted, by=town_agent, to_institution=org.town2, reason="跨片区")
    services.transfer_return(transfer=back, by=org.user("town2_agent"), reason="不属本中心办理")
    receiver = web(org.user("town2_agent"))
    assert "接收转办" not in receiver.get(f"/cases/{accepted.pk}/").content.decode()  # returned, not waiting
    case = type(accepted).objects.get(pk=accepted.pk)
    services.transfer_send(case=case, by=town_agent, to_institution=org.town2, reason="再次转办")
    page = receiver.get(f"/cases/{accepted.pk}/").content.decode()
    assert "接收转办" in page and "再次转办" in page

    liaison = web(org.user("liaison"))
    due = datetime.date.today() + datetime.timedelta(days=10)
    case = type(accepted).objects.get(pk=accepted.pk)
    task = services.task_create(
        case=case, by=town_agent, department=org.department, description="核验", due_date=due
    )
    assert f'name="task" value="{task.pk}"' in liaison.get(f"/cases/{accepted.pk}/").content.decode()
    town_page = web(town_agent).get(f"/cases/{accepted.pk}/").content.decode()
    assert 'name="task"' not in town_page  # the agent has no department
    services.task_complete(task=task, by=org.user("liaison"), result="已核验")
    assert 'name="task"' not in liaison.get(f"/cases/{accepted.pk}/").content.decode()  # done, not open
