"""Project services: registration from the template, the dependency rule, working-day deadlines with
suspensions, liaison requests and their escalation, meetings → action items, blockers."""

import datetime as dt

import pytest

from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.projects import services
from bangban.projects.models import ActionItem, ItemStatus, LiaisonRequest, ProjectEvent, ProjectItem
from bangban.projects.tests.conftest import at, item, register

pytestmark = pytest.mark.django_db
D = dt.date


def test_register_copies_the_template_matches_departments_and_plans(porg):
    with at(2026, 3, 2):
        p = register(porg)
    assert p.number.startswith("XM3205052026")
    assert [s.name for s in p.stages.all()] == [
        "立项",
        "用地",
        "规划",
        "施工许可",
        "竣工验收",
        "公用设施接入",
    ]
    assert p.items.count() == 15
    beian = item(p, "企业投资项目备案")
    assert beian.department == porg.depts["fgw"] and beian.liaison == porg.user("fgw_liaison")
    assert beian.planned_start == D(2026, 3, 2) and beian.planned_end == D(2026, 3, 5)
    permit = item(p, "建筑工程施工许可证")
    assert set(permit.depends_on.values_list("name", flat=True)) == {
        "施工图设计文件审查",
        "人防工程设计审查",
        "环境影响评价审批",
        "节能审查",
    }
    assert item(p, "供水接入").department is None  # no 水务 department in this center
    assert ProjectEvent.objects.filter(project=p, action="register").count() == 1
    assert AuditEvent.objects.filter(action="projects.project.create", object_id=str(p.pk)).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("investor_credit_code", "91350100M000100Y44", "校验位"),
        ("investment", "-1", "总投资"),
        ("investment", "abc", "总投资"),
        ("division", "999999", "建设地点"),
        ("project_type", "space", "项目类型"),
        ("phone", "123", "联系电话"),
        ("entrustment_end", "2020-01-01", "委托期限至"),
        ("name", "", "项目名称"),
    ],
)
def test_bad_registration_names_the_field_and_writes_nothing(porg, field, value, message):
    with pytest.raises(ServiceError) as exc:
        register(porg, **{field: value})
    assert exc.value.field == field and message in exc.value.message
    assert not ProjectItem.objects.exists()


def test_registration_needs_the_role_and_the_scope(porg):
    with pytest.raises(AccessRefused):
        register(porg, by="fgw_liaison")
    with pytest.raises(ServiceError) as exc:
        register(porg, by="other_admin")  # the lead agent is outside 吴中区
    assert exc.value.field == "lead_agent"


def test_an_item_cannot_start_before_what_it_needs_is_done(porg):
    with at(2026, 3, 2):
        p = register(porg)
        agent = porg.user("county_agent")
        with pytest.raises(ServiceError) as exc:
            services.item_start(by=agent, item=item(p, "节能审查"))
        assert exc.value.code == "dependency" and "企业投资项目备案" in exc.value.message
        services.item_start(by=agent, item=item(p, "企业投资项目备案"))
        services.item_complete(by=agent, item=item(p, "企业投资项目备案"), result="已备案")
        # Now three items from three departments run in parallel.
        for name in ("节能审查", "建设项目用地预审与选址意见书", "环境影响评价审批"):
            services.item_start(by=agent, item=item(p, name))
    running = p.items.filter(status=ItemStatus.RUNNING)
    assert running.values("department").distinct().count() == 3
    stage = p.stages.get(name="立项")
    assert stage.actual_start == D(2026, 3, 2) and stage.actual_end is None


def test_deadline_in_working_days_and_suspension_moves_it(porg):
    p = register(porg)
    agent = porg.user("county_agent")
    with at(2026, 3, 2):
        services.item_start(by=agent, item=item(p, "企业投资项目备案"))
        services.item_complete(by=agent, item=item(p, "企业投资项目备案"))
    with at(2026, 3, 3):  # Tuesday: 环评 15 working days → 2026-03-24
        env = services.item_start(by=agent, item=item(p, "环境影响评价审批"))
    assert env.due == D(2026, 3, 24)
    with at(2026, 3, 5):  # suspended on Thursday (used 2 days: 4th and 5th)
        env = services.item_suspend(by=agent, item=item(p, "环境影响评价审批"), reason="补充环评报告")
    assert env.status == ItemStatus.SUSPENDED and env.due is None
    with at(2026, 3, 12):  # resumed a week later: 13 days left from the 13th
        env = services.item_resume(by=agent, item=item(p, "环境影响评价审批"))
    assert env.due == D(2026, 3, 31)
    with at(2026, 4, 1):
        from bangban.projects import selectors

        row = next(r for r in selectors.item_rows(p) if r.item.pk == env.pk)
    assert row.light == "red" and row.left_workdays == -1


def test_a_limit_cannot_change_after_the_start_and_a_cycle_is_refused(porg):
    p = register(porg)
    coordinator = porg.user("coordinator")
    with pytest.raises(ServiceError) as exc:
        services.item_add_dependency(
            by=coordinator, item=item(p, "企业投资项目备案"), needs=item(p, "联合竣工验收").pk
        )
    assert exc.value.code == "cycle"
    services.item_assign(by=coordinator, item=item(p, "供水接入"), limit_workdays=8)
    assert item(p, "供水接入").limit_workdays == 8
    services.item_start(by=coordinator, item=item(p, "企业投资项目备案"))
    with pytest.raises(ServiceError) as exc:
        services.item_assign(by=coordinator, item=item(p, "企业投资项目备案"), limit_workdays=9)
    assert exc.value.field == "limit_workdays"


def test_an_item_without_a_department_cannot_start(porg):
    p = register(porg)
    agent = porg.user("county_agent")
    water = item(p, "供水接入")
    water.depends_on.clear()
    with pytest.raises(ServiceError) as exc:
        services.item_start(by=agent, item=water)
    assert exc.value.field == "department"


def test_late_request_escalates_and_the_late_answer_keeps_the_rung(porg):
    p = register(porg)
    coordinator = porg.user("coordinator")
    with at(2026, 3, 2):
        req = services.request_send(
            by=coordinator,
            project=p,
            department=porg.depts["zrzy"].pk,
            kind="document",
            text="请告知选址所需材料",
        )
    assert req.due == D(2026, 3, 3)
    with at(2026, 3, 4):
        from bangban.projects.tasks import escalate_overdue

        assert escalate_overdue.delay().get() == 1  # the beat task (eager here)
        assert services.escalate_overdue() == 0  # idempotent
    req.refresh_from_db()
    assert req.level == 1
    with at(2026, 3, 5):
        assert services.escalate_overdue() == 1
        req = services.request_answer(by=porg.user("zrzy_liaison"), request=req, answer="需提供规划条件")
    assert req.level == 2 and req.answered_on == D(2026, 3, 5)
    assert ProjectEvent.objects.filter(project=p, action="request.escalate").count() == 2
    assert AuditEvent.objects.filter(action="projects.request.escalate").count() == 2


def test_only_the_departments_liaison_answers(porg):
    p = register(porg)
    req = services.request_send(
        by=porg.user("coordinator"), project=p, department=porg.depts["zrzy"], kind="question", text="问"
    )
    with pytest.raises(NotInScope):
        services.request_answer(by=porg.user("fgw_liaison"), request=req, answer="答")
    with pytest.raises(ServiceError) as exc:
        services.request_send(
            by=porg.user("coordinator"),
            project=p,
            department=porg.depts["zrzy"],
            kind="question",
            text="问",
            limit_workdays=0,
        )
    assert exc.value.field == "limit_workdays"
    assert LiaisonRequest.objects.count() == 1


def test_meeting_decision_becomes_an_action_item_closed_by_its_owner(porg):
    p = register(porg)
    owner = porg.user("zjj_liaison")
    with at(2026, 3, 6):  # Friday: 3 working days → Wednesday
        m = services.meeting_record(
            by=porg.user("coordinator"),
            project=p,
            kind="coordination",
            held_on="2026-03-06",
            attendees="发改、自然资源、住建",
            agenda="施工图审查提速",
            minutes="议定并联审查",
            departments=[porg.depts["zjj"].pk],
            decisions=[
                {"decision": "住建局三个工作日内完成施工图审查", "owner": owner.pk, "limit_workdays": 3}
            ],
        )
    action = ActionItem.objects.get(meeting=m)
    assert action.due == D(2026, 3, 11) and action.owner == owner
    with pytest.raises(NotInScope):
        services.action_close(by=porg.user("fgw_liaison"), action=action, result="完成")
    with at(2026, 3, 10):
        action = services.action_close(by=owner, action=action, result="已完成审查")
    assert action.closed_on == D(2026, 3, 10)
    with pytest.raises(ServiceError):
        services.action_close(by=owner, action=action, result="again")


def test_bad_decision_is_refused_and_nothing_is_written(porg):
    p = register(porg)
    with pytest.raises(ServiceError) as exc:
        services.meeting_record(
            by=porg.user("coordinator"),
            project=p,
            kind="joint",
            held_on=services.today(),
            attendees="a",
            agenda="b",
            decisions=[{"decision": "做", "owner": porg.user("other_admin").pk}],
        )
    assert "责任人" in exc.value.message
    assert not p.meetings.exists()


def test_blocker_climbs_to_the_center_head(porg):
    p = register(porg)
    agent = porg.user("county_agent")
    with at(2026, 3, 2):
        services.item_start(by=agent, item=item(p, "企业投资项目备案"))
        b = services.blocker_raise(
            by=porg.user("fgw_liaison"), item=item(p, "企业投资项目备案"), text="缺少土地证明"
        )
    with at(2026, 3, 12):  # limits 2, 2, 3: deadlines 4th, 6th, 11th
        services.escalate_overdue()
    b.refresh_from_db()
    assert b.level == 3
    with at(2026, 3, 13):
        b = services.blocker_resolve(by=agent, blocker=b, resolution="已协调国土部门出具证明")
    assert b.resolved_on == D(2026, 3, 13)


def test_an_item_links_the_case_that_handles_it(porg):
    from bangban.cases.tests.conftest import make_item
    from bangban.complaints.tests.conftest import make_case

    case = make_case(porg, make_item(porg, "企业投资项目备案"))
    p = register(porg)
    beian = services.item_link_case(
        by=porg.user("coordinator"), item=item(p, "企业投资项目备案"), case_number=case.number
    )
    assert beian.case == case
    with pytest.raises(ServiceError) as exc:
        services.item_link_case(by=porg.user("coordinator"), item=beian, case_number="BJ-NONE")
    assert exc.value.field == "case_number"


def test_assign_a_department_and_its_liaison(porg):
    p = register(porg)
    water = services.item_assign(
        by=porg.user("coordinator"), item=item(p, "供水接入"), department=porg.depts["zjj"].pk
    )
    assert water.department == porg.depts["zjj"] and water.liaison == porg.user("zjj_liaison")
    with pytest.raises(ServiceError) as exc:
        services.item_assign(by=porg.user("coordinator"), item=water, liaison=porg.user("fgw_liaison").pk)
    assert exc.value.field == "liaison"
    with pytest.raises(NotInScope):
        services.item_assign(by=porg.user("other_admin"), item=water, department=porg.depts["fgw"].pk)
