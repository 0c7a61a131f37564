"""Items become the center's work through the cases services: an item with a catalog item the center
may act for becomes a 代办 case of the investor with a joint task to its department; any other item
a joint task on the project's own 代办 case. Completing, suspending and resuming follow."""

import datetime as dt

import pytest

from bangban.cases.models import ApplicantType, Case, JointTask, Kind, Mode, Status
from bangban.cases.tests.conftest import make_item
from bangban.core.errors import AccessRefused
from bangban.projects import selectors, services
from bangban.projects.models import ItemStatus, Project, ProjectEvent
from bangban.projects.tests.conftest import CREDIT, at, item, register

pytestmark = pytest.mark.django_db


def test_a_catalog_item_becomes_an_entrusted_case_with_a_joint_task(porg):
    make_item(porg, "企业投资项目备案", promised=3)
    with at(2026, 3, 2):
        p = register(porg)
        beian = services.item_start(by=porg.user("coordinator"), item=item(p, "企业投资项目备案"))
    case = beian.case
    assert case is not None and beian.task.case_id == case.pk
    assert (case.kind, case.mode, case.status) == (Kind.AGENCY, Mode.AGENCY, Status.IN_PROGRESS)
    assert case.agent == porg.user("county_agent")  # the project's lead agent handles it
    assert case.institution == porg.county and case.accepted_on == dt.date(2026, 3, 2)
    assert (case.applicant_type, case.applicant_name, case.credit_code, case.contact_name) == (
        ApplicantType.ENTERPRISE,
        "苏州新材料科技有限公司",
        CREDIT,
        "李经理",
    )
    assert [ci.name for ci in case.items.all()] == ["企业投资项目备案"]
    assert case.entrustments.get().period_end == dt.date(2027, 3, 1)
    task = case.tasks.get()
    assert (task.department, task.assignee, task.due_date) == (
        porg.depts["fgw"],
        porg.user("fgw_liaison"),
        beian.due,
    )
    assert Project.objects.get(pk=p.pk).case is None  # no umbrella case needed
    assert Case.objects.count() == 1

    with at(2026, 3, 4):
        services.item_complete(by=porg.user("county_agent"), item=beian, result="已备案")
    task.refresh_from_db()
    case.refresh_from_db()
    assert task.state == JointTask.State.DONE and task.result == "已备案"
    assert case.status == Status.COMPLETED and case.result == "已备案"


def test_other_items_are_tasks_on_the_projects_own_case_opened_once(porg):
    with at(2026, 3, 2):
        p = register(porg)
        agent = porg.user("county_agent")
        services.item_start(by=agent, item=item(p, "企业投资项目备案"))
        services.item_complete(by=porg.user("fgw_liaison"), item=item(p, "企业投资项目备案"))
        names = ("节能审查", "建设项目用地预审与选址意见书", "环境影响评价审批")
        for name in names:  # three departments in parallel
            services.item_start(by=agent, item=item(p, name))
    p.refresh_from_db()
    umbrella = p.case
    assert Case.objects.count() == 1 and umbrella.status == Status.ANALYSING
    assert (
        umbrella.kind == Kind.AGENCY
        and umbrella.agent == agent
        and umbrella.events.filter(text__contains="委托代办").exists()
    )
    tasks = {t.description.split("「")[-1].rstrip("」"): t for t in umbrella.tasks.all()}
    assert set(tasks) == {"企业投资项目备案", *names}
    assert tasks["企业投资项目备案"].state == JointTask.State.DONE  # completed by the fgw liaison
    assert tasks["节能审查"].department == tasks["企业投资项目备案"].department  # two tasks, one department
    for name in names:
        it = item(p, name)
        assert it.case is None and it.task == tasks[name] and it.task.due_date == it.due
    # The department liaison still sees only their department's items.
    queue = selectors.department_queue(user=porg.user("zrzy_liaison"))
    assert {i.department_id for i in queue["items"]} == {porg.depts["zrzy"].pk}
    assert ProjectEvent.objects.filter(project=p, action="project.case").count() == 1


def test_a_liaison_completes_the_task_and_leaves_the_case_to_the_agent(porg):
    make_item(porg, "企业投资项目备案")
    with at(2026, 3, 2):
        p = register(porg)
        beian = services.item_start(by=porg.user("county_agent"), item=item(p, "企业投资项目备案"))
        with pytest.raises(AccessRefused):  # a liaison cannot open cases
            services.item_start(by=porg.user("zrzy_liaison"), item=item(p, "环境影响评价审批"))
        services.item_complete(by=porg.user("fgw_liaison"), item=beian, result="部门已办结")
    beian.refresh_from_db()
    assert beian.status == ItemStatus.DONE and beian.task.state == JointTask.State.DONE
    assert beian.case.status == Status.IN_PROGRESS
    assert ProjectEvent.objects.filter(item=beian, action="item.case_open").exists()


def test_suspend_and_resume_move_the_items_case(porg):
    make_item(porg, "企业投资项目备案", promised=5)
    agent = porg.user("county_agent")
    with at(2026, 3, 2):
        p = register(porg)
        beian = services.item_start(by=agent, item=item(p, "企业投资项目备案"))
    with at(2026, 3, 3):
        with pytest.raises(AccessRefused):
            services.item_suspend(by=porg.user("fgw_liaison"), item=beian, reason="等待检测报告")
        beian = services.item_suspend(by=agent, item=beian, reason="等待检测报告")
    case = Case.objects.get(pk=beian.case_id)
    assert case.status == Status.SUSPENDED and case.suspensions.get().detail == "等待检测报告"
    with at(2026, 3, 6):
        services.item_resume(by=agent, item=beian)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.suspensions.get().resumed_on == dt.date(2026, 3, 6)


def test_a_refused_case_step_writes_nothing(porg):
    make_item(porg, "企业投资项目备案")
    with at(2026, 3, 2):
        p = register(porg)
        with pytest.raises(AccessRefused):
            services.item_start(by=porg.user("county_admin"), item=item(p, "企业投资项目备案"))
    assert item(p, "企业投资项目备案").status == ItemStatus.PENDING
    assert not Case.objects.exists() and not JointTask.objects.exists()


def test_a_linked_case_stays_and_the_task_goes_to_the_projects_case(porg):
    from bangban.complaints.tests.conftest import make_case

    linked = make_case(porg, make_item(porg, "企业投资项目备案"))
    with at(2026, 3, 2):
        p = register(porg)
        services.item_link_case(
            by=porg.user("coordinator"), item=item(p, "企业投资项目备案"), case_number=linked.number
        )
        beian = services.item_start(by=porg.user("county_agent"), item=item(p, "企业投资项目备案"))
        services.item_complete(by=porg.user("county_agent"), item=beian)
    beian.refresh_from_db()
    p.refresh_from_db()
    assert beian.case == linked and beian.task.case == p.case
    assert beian.task.state == JointTask.State.DONE
    linked.refresh_from_db()
    assert linked.status != Status.COMPLETED  # a case linked by hand is its handler's to complete
