"""好差评 loop on a phone: the applicant rates a completed case 不满意 through the SMS link, the link
refuses a second use, the station agent logs the 回访, rectifies and answers, a supervisor 复核s."""

import re

import pytest

from bangban.cases import services as case_services
from bangban.cases.tests.conftest import make_item
from bangban.evaluations.models import Rectification, RectStatus, Review
from bangban.notifications.models import Message
from tests.browser.conftest import shot
from tests.browser.test_accessibility import AXE, describe, run_axe, small_text
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_a11y(page):
    """axe (WCAG 2.2 AA) and our 14 px floor on the page as it stands (the crawl has no reviews)."""
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm ci)")
    page.evaluate(AXE.read_text())  # through the debugger: the page CSP forbids an injected script tag
    violations = run_axe(page) + small_text(page)
    assert not violations, describe(violations)


def step(page, button, fields=None, choose=None):
    """Fill one step form of the rectification page (found by its button) and submit it."""
    form = page.locator("form.action-form").filter(has=page.get_by_role("button", name=button, exact=True))
    if choose:
        form.get_by_label(choose, exact=True).check()
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def test_bad_review_loop_on_a_phone(org, page_at, password):
    item = make_item(org, "个体工商户登记", promised=5)
    agent = org.user("station_agent")
    case = case_services.case_create(
        by=agent,
        kind="help",
        mode="assist",
        items=[item],
        accept_now=True,
        applicant_type="person",
        applicant_name="王阿婆",
        id_number="11010519491231002X",
        phone="13812345678",
    )
    case = case_services.case_start(case=case, by=agent)
    case_services.case_complete(case=case, by=agent, result="营业执照已送达")
    sms = Message.objects.get(event=Message.Event.REVIEW_INVITE)
    path = re.search(r"/r/[^/\s]+/", sms.text).group(0)

    # The applicant opens the SMS link on a cheap phone, without logging in.
    phone = page_at(width=390, height=844, mobile=True)
    phone.goto(phone.base + path)
    assert case.number in phone.locator("main").inner_text()
    assert "只能评价一次" in phone.locator("main").inner_text()
    box = phone.locator("label[for='level-2']").bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a big target on a phone
    shot(phone, "review-link-phone")
    check_a11y(phone)
    phone.get_by_label("不满意", exact=True).check()
    phone.get_by_label("办事效率").check()
    phone.get_by_label("您的意见或建议（可不填）").fill("排队等了两个小时")
    phone.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in phone.locator("main").inner_text()
    shot(phone, "review-thanks-phone")
    review = Review.objects.get()
    assert (review.level, review.comment, review.real_name) == (2, "排队等了两个小时", True)

    # The link refuses a second use.
    phone.goto(phone.base + path)
    assert "已使用" in phone.locator("main").inner_text()
    assert phone.locator("form button", has_text="提交评价").count() == 0

    # The station agent sees the rectification, logs the 回访, rectifies and answers.
    page = page_at(width=390, height=844, mobile=True)
    login(page, "station_agent", password)
    page.goto(page.base + "/evaluations/rectifications/")
    page.locator("main table a").first.click()
    assert "实名差评须先登记回访" in page.locator("main").inner_text()
    step(page, "登记回访", {"群众意见": "高峰时段排队太久"}, choose="已联系上")
    assert "已登记回访" in page.locator(".messages").inner_text()
    step(page, "核实", {"核实说明": "周一上午只开一个窗口"}, choose="属实")
    step(page, "整改完成", {"整改措施": "周一上午增开一个窗口"})
    step(page, "反馈", {"反馈内容": "已增开窗口"})
    assert "已反馈" in page.locator("h1").inner_text()
    shot(page, "rectification-agent-phone")
    check_a11y(page)
    assert Message.objects.filter(event=Message.Event.RECTIFIED).count() == 1

    # A supervisor 复核s and closes it.
    boss = page_at()
    login(boss, "supervisor", password)
    boss.goto(boss.base + "/evaluations/rectifications/?status=fed_back")
    boss.locator("main table a").first.click()
    step(boss, "复核通过", {"复核意见": "措施到位"})
    assert "已办结" in boss.locator("h1").inner_text()
    rect = Rectification.objects.get()
    assert rect.status == RectStatus.CLOSED
    assert [s.action for s in rect.steps.all()] == [
        "open",
        "revisit",
        "verify",
        "rectify",
        "feedback",
        "approve",
    ]
