"""The key-project journey in a browser (issue 13): a coordinator registers a project from the
template, the lead agent starts items of three departments in parallel, a liaison answers a request
late and it has escalated, a meeting's decision becomes an action item and is closed, the Gantt
draws planned against actual and the wall view turns red without a reload once an item runs late.

The clock is moved with time_machine (the live server runs in this process, so it moves too); each
move signs the users in again, since the idle timeout ends sessions older than 30 minutes."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from bangban.projects.models import ActionItem, LiaisonRequest, Project
from bangban.projects.tests.conftest import CREDIT, add_departments
from tests.browser.test_accessibility import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SH = ZoneInfo("Asia/Shanghai")


def _page(browser, live_server, username):
    context = _login(browser, live_server, username)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _day(y, m, d, hour=10, minute=0):
    return time_machine.travel(datetime.datetime(y, m, d, hour, minute, tzinfo=SH), tick=True)


def test_key_project_journey(org, browser, live_server):
    add_departments(org)
    base = live_server.url
    with _day(2026, 3, 2):  # Monday
        context, page = _page(browser, live_server, "coordinator")
        page.goto(f"{base}/projects/new/")
        page.get_by_label("项目名称").fill("年产十万吨新材料项目")
        page.get_by_label("项目类型").select_option("industrial")
        page.get_by_label("项目级别").select_option("municipal")
        page.get_by_label("投资主体").fill("苏州新材料科技有限公司")
        page.get_by_label("统一社会信用代码").fill(CREDIT)
        page.get_by_label("总投资（万元）").fill("50000")
        page.locator("#id_lead_agent").select_option(label=org.user("county_agent").display_name)
        page.locator("#id_coordinator").select_option(label=org.user("coordinator").display_name)
        page.get_by_label("投资方联系人").fill("李经理")
        page.get_by_label("联系电话").fill("13912345678")
        page.get_by_label("委托代办范围（表 C）").fill("立项至竣工验收全流程代办")
        page.get_by_label("委托期限自").fill("2026-03-01")
        page.get_by_label("委托期限至").fill("2027-03-01")
        page.get_by_role("button", name="登记").click()
        expect(page.get_by_text("已按模板生成阶段和事项")).to_be_visible()
        project = Project.objects.get()
        context.close()

        context, page = _page(browser, live_server, "county_agent")
        page.goto(f"{base}/projects/{project.pk}/")
        page.get_by_role("button", name="启动 企业投资项目备案").click()
        expect(page.get_by_text("已启动事项「企业投资项目备案」")).to_be_visible()
        page.get_by_role("button", name="办结 企业投资项目备案").click()
        expect(page.get_by_text("已办结事项「企业投资项目备案」")).to_be_visible()
        for name in ("节能审查", "建设项目用地预审与选址意见书", "环境影响评价审批"):
            page.get_by_role("button", name=f"启动 {name}").click()
            expect(page.get_by_text(f"已启动事项「{name}」")).to_be_visible()
        assert project.items.filter(status="running").values("department").distinct().count() == 3
        # The Gantt: every item drawn, planned and actual.
        expect(page.locator("#gantt[data-drawn='15'] svg")).to_be_visible()
        context.close()

        context, page = _page(browser, live_server, "coordinator")
        page.goto(f"{base}/projects/{project.pk}/")
        page.locator("#requests summary").click()
        page.locator("#requests").get_by_label("部门").select_option(label="区自然资源和规划局")
        page.locator("#requests").get_by_label("类别").select_option("document")
        page.locator("#requests").get_by_label("请求内容").fill("选址意见书需要哪些材料")
        page.get_by_role("button", name="发出请求").click()
        expect(page.get_by_text("已发出协办请求")).to_be_visible()
        context.close()

    with _day(2026, 3, 4):  # the request was due on the 3rd: it is with the 首席协办员
        context, page = _page(browser, live_server, "zrzy_liaison")
        page.goto(f"{base}/projects/queue/")
        row = page.locator("#dept-requests tbody tr").first
        expect(row).to_contain_text("首席协办员")
        row.get_by_label("答复").fill("需提供规划条件和红线图")
        row.get_by_role("button", name="答复").click()
        expect(page.get_by_text("已答复协办请求")).to_be_visible()
        expect(page.locator("#dept-requests")).to_contain_text("超期答复")
        assert LiaisonRequest.objects.get().level == 1
        context.close()

        context, page = _page(browser, live_server, "coordinator")
        page.goto(f"{base}/projects/{project.pk}/")
        meeting = page.locator("#meetings")
        meeting.locator("summary").click()
        meeting.get_by_label("会议类型").select_option("coordination")
        meeting.get_by_label("会议日期").fill("2026-03-04")
        meeting.get_by_label("参会人员").fill("发改、自然资源、生态环境")
        meeting.get_by_label("议题").fill("用地预审提速")
        meeting.get_by_label("会议决定").fill("自然资源局两日内出具预审意见")
        meeting.get_by_label("责任人").select_option(label=org.user("zrzy_liaison").display_name)
        meeting.get_by_label("落实时限（工作日）").fill("2")
        page.get_by_role("button", name="登记会议").click()
        expect(page.get_by_text("会议决定已转为待办事项")).to_be_visible()
        action = ActionItem.objects.get()
        page.get_by_label("落实情况").fill("已出具预审意见")
        page.locator("#meetings").get_by_role("button", name="办结").click()
        expect(page.get_by_text("会议决定事项已办结")).to_be_visible()
        action.refresh_from_db()
        assert action.closed_on == datetime.date(2026, 3, 4)

        context.close()

    # 节能审查 and the 用地预审 (10 working days from 3-2) are due on 3-16. The wall is open at
    # 23:50 that evening; after midnight it turns red by itself (polling every 2 s, no reload).
    with _day(2026, 3, 16, 23, 50):
        context, wall = _page(browser, live_server, "coordinator")
        wall.goto(f"{base}/projects/wall/?refresh=2")
        expect(wall.locator("#wall-items-late")).to_have_text("0")
        expect(wall.locator(".wall-project[data-light='red']")).to_have_count(0)
        with _day(2026, 3, 17, 0, 5):
            expect(wall.locator(".wall-project[data-light='red']")).to_have_count(1, timeout=20000)
            expect(wall.locator("#wall-items-late")).to_have_text("2")
        context.close()
