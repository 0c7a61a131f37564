"""督办 end to end on a phone, and axe (WCAG 2.2 AA) on the pages of the oversight, training and
emergencies apps with data in them (the crawl of test_accessibility sees them empty)."""

import datetime

import pytest
from playwright.sync_api import expect

from bangban.oversight.models import Order
from tests.browser.test_accessibility import _login, describe, run_axe, small_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _red_case(org):
    """A case accepted two months ago: long overdue today, whatever today is."""
    from bangban.cases.tests.conftest import make_item
    from bangban.oversight.tests.conftest import open_case

    item = make_item(org, "个体工商户登记", promised=5)
    past = datetime.date.today() - datetime.timedelta(days=60)
    return open_case(org, item=item, on=(past.year, past.month, past.day))


def _phone(browser, live_server, username):
    context = _login(browser, live_server, username)
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_default_timeout(15000)
    return context, page


def _axe(page, where, report):
    page.wait_for_load_state()  # after a click: the new document, not the one being replaced
    if violations := run_axe(page) + small_text(page):
        report[where] = violations


def test_supervisor_orders_agent_answers_supervisor_closes_on_a_phone(org, browser, live_server):
    case = _red_case(org)
    base = live_server.url
    report: dict = {}

    context, page = _phone(browser, live_server, "supervisor")
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_role("link", name="签发督办单").click()
    expect(page.get_by_role("button", name="签发")).to_be_visible()  # the form page, not the one leaving
    _axe(page, "issue form", report)
    page.get_by_role("button", name="签发").click()  # empty requirement: refused, in Chinese
    assert "「督办要求」为必填项" in page.locator("main").inner_text()
    _axe(page, "issue form with errors", report)
    page.get_by_label("督办要求").fill("请说明超期原因，两个工作日内办结")
    page.get_by_role("button", name="签发").click()
    page.get_by_text("督办单已签发").wait_for()
    order = Order.objects.get()
    assert page.url.endswith(f"/oversight/{order.pk}/")
    context.close()

    context, page = _phone(browser, live_server, "station_agent")
    page.goto(f"{base}/staff/")
    page.get_by_text("督办 · 待答复").click()
    page.get_by_role("link", name=f"督办单 {order.pk}").click()
    _axe(page, "order page, to answer", report)
    page.get_by_label("答复内容").fill("材料已补齐，今日办结")
    page.get_by_role("button", name="提交答复").click()
    page.get_by_text("已答复，等待督办人评价").wait_for()
    context.close()

    context, page = _phone(browser, live_server, "supervisor")
    page.goto(f"{base}/oversight/{order.pk}/")
    _axe(page, "order page, to evaluate", report)
    page.get_by_label("满意，办结").check()
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("督办单已办结").wait_for()
    _axe(page, "order page, closed", report)
    page.goto(f"{base}/oversight/?box=all")
    _axe(page, "order list", report)
    context.close()

    order.refresh_from_db()
    assert order.state == "closed"
    assert not report, "\n".join(f"{w}:\n{describe(v)}" for w, v in report.items())


def test_supervisor_orders_on_a_late_complaint_handler_answers_on_a_phone(org, browser, live_server):
    from bangban.complaints.tests.conftest import register
    from bangban.oversight.tests.conftest import at

    past = datetime.date.today() - datetime.timedelta(days=60)
    with at(past.year, past.month, past.day):
        complaint = register(org)  # its 受理 step long overdue today
    base = live_server.url
    report: dict = {}

    context, page = _phone(browser, live_server, "supervisor")
    page.goto(f"{base}/complaints/{complaint.pk}/")
    page.get_by_role("link", name="签发督办单").click()
    _axe(page, "complaint issue form", report)
    page.get_by_label("督办要求").fill("请立即受理并说明超期原因")
    page.get_by_role("button", name="签发").click()
    page.get_by_text("督办单已签发").wait_for()
    order = Order.objects.get()
    assert order.complaint_id == complaint.pk
    assert f"投诉 {complaint.number}" in page.locator("main").inner_text()
    page.goto(f"{base}/complaints/{complaint.pk}/")
    _axe(page, "complaint page with its 督办", report)
    context.close()

    context, page = _phone(browser, live_server, "town_admin")
    page.goto(f"{base}/complaints/{complaint.pk}/")
    page.get_by_role("link", name=f"督办单 {order.pk}").click()
    page.get_by_label("答复内容").fill("已受理，三个工作日内反馈投诉人")
    page.get_by_role("button", name="提交答复").click()
    page.get_by_text("已答复，等待督办人评价").wait_for()
    context.close()

    order.refresh_from_db()
    assert order.state == "answered" and order.answered_by == org.user("town_admin")
    assert not report, "\n".join(f"{w}:\n{describe(v)}" for w, v in report.items())


def test_the_case_timeline_shows_the_order_for_staff_only(org, browser, live_server):
    from bangban.oversight import services

    case = _red_case(org)
    order = services.order_issue(by=org.user("supervisor"), case=case, requirement="请两个工作日内办结")
    base = live_server.url
    report: dict = {}
    context, page = _phone(browser, live_server, "station_agent")
    page.goto(f"{base}/cases/{case.pk}/")
    assert f"签发督办单 {order.pk}" in page.locator(".timeline").inner_text()
    _axe(page, "case page with a 督办 line", report)
    context.close()
    public = browser.new_context().new_page()
    public.goto(f"{base}/cases/track/{case.tracking_token}/")
    assert "督办" not in public.locator("main").inner_text()
    public.context.close()
    assert not report, "\n".join(f"{w}:\n{describe(v)}" for w, v in report.items())


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_training_and_emergency_pages_pass_axe(org, browser, live_server):
    from bangban.emergencies import services as emergency
    from bangban.training import services as training

    admin = org.user("county_admin")
    course = training.course_create(by=admin, institution=org.county, title="帮办代办业务培训", hours="4")
    session = training.session_create(
        by=admin,
        course=course,
        held_on=datetime.date.today(),
        place="区中心三楼",
        trainer="李老师",
        attendees=[training.AttendeeInput(org.user("station_agent"), score=90)],
    )
    plan = emergency.plan_publish(
        by=admin, institution=org.county, type="surge", title="业务集中办理应急预案", content="一、启动条件"
    )
    emergency.drill_record(
        by=admin, plan=plan, held_on=datetime.date.today(), participants="窗口人员", scenario="办件激增"
    )
    now = datetime.datetime.now(datetime.UTC)
    incident = emergency.incident_log(
        by=admin,
        institution=org.county,
        type="accident",
        started_at=now - datetime.timedelta(hours=2),
        description="大厅停电",
        steps=[emergency.StepInput(now - datetime.timedelta(hours=1), "启用应急照明")],
    )
    base = live_server.url
    report: dict = {}
    context, page = _phone(browser, live_server, "county_admin")
    for url in (
        "/training/",
        f"/training/courses/{course.pk}/",
        f"/training/sessions/{session.pk}/",
        "/training/staff/",
        f"/training/staff/{org.user('station_agent').pk}/",
        "/training/new/",
        "/emergencies/",
        f"/emergencies/plans/{plan.pk}/",
        "/emergencies/plans/new/",
        f"/emergencies/incidents/{incident.pk}/",
        "/emergencies/incidents/new/",
    ):
        response = page.goto(base + url)
        assert response.status == 200, url
        _axe(page, url, report)
    context.close()
    assert not report, "\n".join(f"{w}:\n{describe(v)}" for w, v in report.items())
