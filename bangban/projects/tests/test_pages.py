"""The staff pages: register from the template, run items, the department queue, the wall panel,
minutes and weekly reports as files; out-of-scope pages are not found."""

import io

import pytest
from django.urls import reverse

from bangban.projects import services
from bangban.projects.models import ItemStatus, Project
from bangban.projects.tests.conftest import CREDIT, at, item, register

pytestmark = pytest.mark.django_db


def test_register_from_the_form_and_see_the_project(porg, web):
    client = web(porg.user("coordinator"))
    page = client.get(reverse("projects:create"))
    assert page.status_code == 200 and "登记重点项目" in page.content.decode()
    form = {
        "name": "物流园",
        "project_type": "commercial",
        "level": "investment",
        "investor_name": "苏州物流有限公司",
        "investor_credit_code": CREDIT,
        "investment": "3000",
        "division": "320505",
        "lead_agent": porg.user("county_agent").pk,
        "coordinator": porg.user("coordinator").pk,
        "contact_name": "赵",
        "phone": "13912345678",
        "entrustment_scope": "全流程",
        "entrustment_start": "2026-03-01",
        "entrustment_end": "2026-12-31",
    }
    bad = client.post(reverse("projects:create"), form | {"investor_credit_code": "91350100M000100Y44"})
    assert bad.status_code == 400 and "校验位" in bad.content.decode()
    r = client.post(reverse("projects:create"), form)
    p = Project.objects.get()
    assert r.status_code == 302 and r.url == reverse("projects:detail", args=[p.pk])
    page = client.get(r.url).content.decode()
    for text in ("物流园", "立项", "公用设施接入", "企业投资项目备案", "关键路径", 'id="gantt"'):
        assert text in page
    assert client.get(reverse("projects:list")).content.decode().count("物流园") == 1
    gantt = client.get(reverse("projects:gantt", args=[p.pk])).json()
    assert len(gantt["items"]) == 15 and gantt["today"]


def test_start_from_the_page_and_refusals_are_messages(porg, web):
    p = register(porg)
    client = web(porg.user("county_agent"))
    beian, energy = item(p, "企业投资项目备案"), item(p, "节能审查")
    r = client.post(reverse("projects:item_action", args=[energy.pk, "start"]), follow=True)
    assert "前置事项尚未办结" in r.content.decode()
    client.post(reverse("projects:item_action", args=[beian.pk, "start"]), {"version": "0"})
    beian.refresh_from_db()
    assert beian.status == ItemStatus.RUNNING
    r = client.post(reverse("projects:item_action", args=[beian.pk, "start"]), {"version": "0"}, follow=True)
    assert "已被他人更新" in r.content.decode()
    assert client.post(reverse("projects:item_action", args=[beian.pk, "fly"])).status_code == 404


def test_department_queue_answers_and_completes(porg, web):
    p = register(porg)
    services.item_start(by=porg.user("county_agent"), item=item(p, "企业投资项目备案"))
    req = services.request_send(
        by=porg.user("coordinator"),
        project=p,
        department=porg.depts["fgw"],
        kind="question",
        text="备案材料？",
    )
    client = web(porg.user("fgw_liaison"))
    page = client.get(reverse("projects:queue")).content.decode()
    assert "备案材料？" in page and "企业投资项目备案" in page and "环境影响评价审批" not in page
    client.post(reverse("projects:request_answer", args=[req.pk]), {"text": "营业执照即可", "next": "queue"})
    req.refresh_from_db()
    assert req.answer == "营业执照即可"
    client.post(
        reverse("projects:item_action", args=[item(p, "企业投资项目备案").pk, "complete"]), {"next": "queue"}
    )
    assert item(p, "企业投资项目备案").status == ItemStatus.DONE
    assert client.get(reverse("projects:detail", args=[p.pk])).status_code == 403  # no project reading role


def test_out_of_scope_project_is_not_found(porg, web):
    p = register(porg)
    client = web(porg.user("other_admin"))
    assert client.get(reverse("projects:detail", args=[p.pk])).status_code == 404
    assert client.get(reverse("projects:gantt", args=[p.pk])).status_code == 404


def test_wall_polls_its_panel(porg, web):
    with at(2026, 3, 2):
        p = register(porg)
        services.item_start(by=porg.user("county_agent"), item=item(p, "企业投资项目备案"))
    client = web(porg.user("coordinator"))
    with at(2026, 3, 2):
        page = client.get(reverse("projects:wall")).content.decode()
    assert 'hx-trigger="every 30s"' in page and "立项至施工许可" in page and 'data-light="green"' in page
    with at(2026, 3, 9):  # a week later (a new session: the idle timeout ended the first)
        panel = web(porg.user("coordinator")).get(reverse("projects:wall_panel")).content.decode()
    assert 'data-light="red"' in panel and "<html" not in panel


def test_minutes_and_weekly_reports(porg, web):
    from openpyxl import load_workbook

    p = register(porg)
    m = services.meeting_record(
        by=porg.user("coordinator"),
        project=p,
        kind="joint",
        held_on=services.today(),
        attendees="各部门",
        agenda="联办推进",
        minutes="会议议定并联审批",
        decisions=[
            {"decision": "三日内完成环评受理", "owner": porg.user("sthj_liaison").pk, "limit_workdays": 3}
        ],
    )
    client = web(porg.user("coordinator"))
    r = client.get(reverse("projects:minutes_pdf", args=[m.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert b"WenQuanYi" in r.content
    for name in ("projects:report_pdf",):
        assert client.get(reverse(name)).content.startswith(b"%PDF")
    assert client.get(reverse("projects:project_report_pdf", args=[p.pk])).content.startswith(b"%PDF")
    wb = load_workbook(io.BytesIO(client.get(reverse("projects:report_xlsx")).content))
    rows = list(wb.active.values)
    assert rows[1][0] == "项目编号" and rows[2][0] == p.number and rows[2][2] == "立项"
    other = web(porg.user("other_admin"))
    assert other.get(reverse("projects:minutes_pdf", args=[m.pk])).status_code == 404


def test_the_investor_follows_progress_in_citizen_words(porg, client):
    p = register(porg)
    agent = porg.user("county_agent")
    services.item_start(by=agent, item=item(p, "企业投资项目备案"))
    services.item_complete(by=agent, item=item(p, "企业投资项目备案"), result="内部备注：材料齐全")
    services.request_send(
        by=porg.user("coordinator"), project=p, department=porg.depts["fgw"], kind="question", text="内部问题"
    )
    page = client.get(reverse("projects:track", args=[p.tracking_token]))
    text = page.content.decode()
    assert page.status_code == 200 and "cookie" not in page.get("Vary", "").lower() and not page.cookies
    assert 'class="pub-nav"' in text and "主导航" not in text  # the portal shell, not the staff one
    assert "「企业投资项目备案」已办结" in text and "立项：正在办理" in text
    for hidden in ("内部备注", "内部问题", agent.display_name, "测试coordinator"):
        assert hidden not in text
    assert client.get(reverse("projects:track", args=["x" * 32])).status_code == 404


def test_assign_a_department_from_the_page(porg, web):
    p = register(porg)
    water = item(p, "供水接入")
    client = web(porg.user("coordinator"))
    r = client.post(
        reverse("projects:item_assign", args=[water.pk]),
        {"department": porg.depts["zjj"].pk, "limit_workdays": "6"},
        follow=True,
    )
    assert "已调整事项「供水接入」" in r.content.decode()
    water.refresh_from_db()
    assert water.department == porg.depts["zjj"] and water.limit_workdays == 6
    r = client.post(reverse("projects:item_assign", args=[water.pk]), {"limit_workdays": "abc"}, follow=True)
    assert "办理时限" in r.content.decode()


def test_the_case_page_and_the_project_page_link_each_other(porg, web):
    from bangban.cases.tests.conftest import make_item

    make_item(porg, "企业投资项目备案")
    with at(2026, 3, 2):
        p = register(porg)
        agent = porg.user("county_agent")
        beian = services.item_start(by=agent, item=item(p, "企业投资项目备案"))
        services.item_complete(by=agent, item=beian)
        energy = services.item_start(by=agent, item=item(p, "节能审查"))
    p.refresh_from_db()
    client = web(porg.user("coordinator"))
    page = client.get(reverse("projects:detail", args=[p.pk])).content.decode()
    assert reverse("cases:detail", args=[beian.case_id]) in page  # the item's own case
    assert reverse("cases:detail", args=[p.case_id]) in page and "项目代办办件" in page
    case_page = client.get(reverse("cases:detail", args=[beian.case_id])).content.decode()
    assert f"{reverse('projects:detail', args=[p.pk])}#item-{beian.pk}" in case_page
    umbrella = client.get(reverse("cases:detail", args=[p.case_id])).content.decode()
    assert f"#item-{energy.pk}" in umbrella and "重点项目" in umbrella


def test_every_form_post_says_what_happened_and_names_the_field(porg, web):
    """The form posts of the project page (one shape in views._post): success, a refusal naming the
    field, and the way back."""
    from bangban.projects.models import ActionItem, Blocker, LiaisonRequest

    with at(2026, 3, 2):
        p = register(porg)
        services.item_start(by=porg.user("county_agent"), item=item(p, "企业投资项目备案"))
        client = web(porg.user("coordinator"))
        detail = reverse("projects:detail", args=[p.pk])
        beian = item(p, "企业投资项目备案")

        def post(name, pk, data):
            r = client.post(reverse(f"projects:{name}", args=[pk]), data, follow=True)
            assert r.redirect_chain[-1][0].startswith(detail), r.redirect_chain
            return r.content.decode()

        assert "「请求内容」" in post("request_send", p.pk, {"req-department": porg.depts["fgw"].pk})
        page = post(
            "request_send",
            p.pk,
            {
                "req-department": porg.depts["fgw"].pk,
                "req-kind": "question",
                "req-text": "材料？",
                "req-limit_workdays": 1,
            },
        )
        assert "已发出协办请求" in page and LiaisonRequest.objects.count() == 1
        req = LiaisonRequest.objects.get()
        assert "「答复」" in post("request_answer", req.pk, {"text": ""})
        assert "已答复协办请求" in post("request_answer", req.pk, {"text": "营业执照"})
        meeting = {
            "mtg-kind": "joint",
            "mtg-held_on": "2026-03-02",
            "mtg-attendees": "各部门",
            "mtg-agenda": "选址",
        }
        assert "「责任人」" in post(
            "meeting_create", p.pk, meeting | {"mtg-decision": "出具意见", "mtg-limit_workdays": 3}
        )
        owner = porg.user("fgw_liaison").pk
        page = post(
            "meeting_create",
            p.pk,
            meeting | {"mtg-decision": "出具意见", "mtg-owner": owner, "mtg-limit_workdays": 3},
        )
        assert "会议决定已转为待办事项" in page
        action = ActionItem.objects.get()
        assert "「落实情况」" in post("action_close", action.pk, {"text": ""})
        assert "会议决定事项已办结" in post("action_close", action.pk, {"text": "已出具"})
        assert "「堵点描述」" in post("blocker_raise", beian.pk, {"text": ""})
        assert "已提出堵点" in post("blocker_raise", beian.pk, {"text": "缺证明"})
        blocker = Blocker.objects.get()
        assert "「解决情况」" in post("blocker_resolve", blocker.pk, {"text": ""})
        assert "堵点已解决" in post("blocker_resolve", blocker.pk, {"text": "已协调"})
        assert "「办件编号」" in post("item_link_case", beian.pk, {"case_number": "NONE"})
        assert "「责任部门」应为编号" in post("item_assign", beian.pk, {"department": "x"})
        assert "已调整事项" in post(
            "item_assign", item(p, "供水接入").pk, {"department": porg.depts["zjj"].pk}
        )
        r = client.post(
            reverse("projects:item_action", args=[beian.pk, "suspend"]), {"text": "等材料"}, follow=True
        )
        assert "已中止事项「企业投资项目备案」" in r.content.decode()
