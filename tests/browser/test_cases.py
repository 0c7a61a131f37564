"""An agent at a 便民服务中心 runs a 代办 case through the pages, printing forms A–E."""

import pytest

from bangban.cases.models import Case
from bangban.cases.tests.conftest import make_item
from bangban.notifications.models import Message
from tests.browser.conftest import shot
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page, heading_or_button, fields=None):
    """Fill an action form (found by its button) and submit it."""
    form = page.locator("form.action-form").filter(
        has=page.get_by_role("button", name=heading_or_button, exact=True)
    )
    for label, value in (fields or {}).items():
        field = form.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    form.get_by_role("button", name=heading_or_button, exact=True).click()
    page.wait_for_load_state()


def test_agency_case_through_the_pages(org, page_at, password):
    make_item(org, "个体工商户登记", promised=5)
    page = page_at()
    login(page, "town_agent", password)
    page.locator("#main").get_by_role("link", name="登记办件").click()  # the 工作台's button
    page.get_by_label("代办", exact=True).check()
    page.get_by_label("服务方式").select_option(label="代办")
    page.get_by_label("申请人姓名 / 企业名称").fill("王阿婆")
    page.get_by_label("身份证号").fill("110105194912310021")  # wrong check character
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("查找事项").fill("个体工商户")
    page.get_by_label("查找事项").press("Enter")
    page.locator("#chosen-items .chip").filter(has_text="个体工商户登记").wait_for()
    page.get_by_label("帮办：登记后立即受理（打印受理单）").uncheck()
    page.get_by_role("button", name="登记").click()
    assert "校验位" in page.locator(".has-error").first.inner_text()
    assert not Case.objects.exists()
    page.get_by_label("身份证号").fill("11010519491231002X")
    page.get_by_role("button", name="登记").click()
    assert "已登记办件" in page.locator(".messages").inner_text()
    shot(page, "case-new-1366")

    act(page, "需求分析", {"需求分析结论": "申请人年迈，委托全程代办"})
    act(page, "签订委托", {"代办范围": "全程代办", "移交材料": "身份证复印件 1 份"})
    assert "已签订委托" in page.locator(".messages").inner_text()
    act(page, "开始承办")
    act(page, "中止", {"中止原因": "材料不齐需补正", "说明": "缺少经营场所证明"})
    assert "计时暂停" in page.locator("main").inner_text()
    act(page, "续办")
    act(page, "办结", {"办理结果": "营业执照已送达申请人"})
    assert "已办结" in page.locator("h1").inner_text()
    shot(page, "case-done-1366")

    case = Case.objects.get()
    for code in "ABCDE":
        link = page.locator(f"a[href$='/forms/{code}.pdf']")
        assert link.count() == 1, code
        response = page.request.get(page.base + link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert response.body()[:5] == b"%PDF-"
    events = list(
        Message.objects.filter(object_id=str(case.pk)).order_by("id").values_list("event", flat=True)
    )
    assert events == ["accepted", "suspended", "resumed", "completed", "review_invite"]  # + 智能邀评
    # The applicant's tracking page (the QR code on every form) needs no login and shows no ID number.
    public = page_at(width=390, height=844, mobile=True)
    public.goto(page.base + f"/cases/track/{case.tracking_token}/")
    body = public.locator("main").inner_text()
    assert case.number in body and "已办结" in body and "11010519491231002X" not in body
    shot(public, "case-track-phone")
