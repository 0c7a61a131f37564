"""Registration at the window by keyboard alone (issue 9's "Done when"): a 身份证 swipe, two items
picked by pinyin initials from a 清单 of 5,000, Ctrl+Enter, and form A opens for printing."""

import re
import time

import pytest

from bangban.cases.models import Case
from bangban.cases.tests.conftest import make_listing
from bangban.catalog.models import Bundle, BundleItem, Item
from tests.browser.conftest import shot
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID = "320505198506121230"
READER_LINE = f"李秀英\t女\t汉\t19850612\t江苏省苏州市虎丘区通安镇某村8号\t{ID}\t苏州市公安局虎丘分局\t2016.03.01-2036.03.01"


class Keys:
    """The agent's keyboard: every key press counted (a chord such as Alt+S is one press)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def press(self, key):
        self.count += 1
        self.page.keyboard.press(key)

    def type(self, text):
        for ch in text:
            self.press(ch)


def reader_swipe(page, line):
    """What a keyboard-wedge reader sends: each character as typed, TAB between fields, then Enter."""
    page.keyboard.type(line, delay=2)
    page.keyboard.press("Enter")


def test_register_by_keyboard_from_a_card_swipe_in_25_keys(org, page_at, password):
    started = time.monotonic()
    extras = make_listing(
        org,
        [org.town],
        count=5000,
        extra=[
            ("个体工商户设立登记", 3, False, [("申请人身份证", "both"), ("经营场所证明", "copy")]),
            ("残疾人证补办", 0, True, [("残疾人证", "original")]),
        ],
    )
    print(f"清单 of 5,002 items written in {time.monotonic() - started:.1f} s")
    page = page_at()
    login(page, "town_agent", password)
    page.goto(page.base + "/cases/new/")
    assert page.evaluate("document.activeElement.id") == "card-reader"  # ready for a swipe

    reader_swipe(page, READER_LINE)
    status = page.locator("#card-status")
    status.filter(has_text="已读卡").wait_for()
    assert page.get_by_label("申请人姓名 / 企业名称").input_value() == "李秀英"
    assert page.get_by_label("身份证号").input_value() == ID
    assert page.evaluate("document.activeElement.name") == "phone"  # the next empty field

    keys = Keys(page)
    keys.type("13912345678")
    keys.press("Alt+s")
    keys.type("gtgsh")
    keys.press("Enter")
    chips = page.locator("#chosen-items .chip")
    chips.filter(has_text="个体工商户设立登记（3 个工作日）").wait_for()
    keys.type("cjrzb")
    keys.press("Enter")
    chips.filter(has_text="残疾人证补办（即办）").wait_for()
    # The checklist of both items is under them before registering.
    page.locator("#checklist").filter(has_text="残疾人证").wait_for()
    assert "经营场所证明" in page.locator("#checklist").inner_text()
    shot(page, "register-keyboard-1366")
    with page.context.expect_page() as printed:
        keys.press("Control+Enter")
    form_a = printed.value
    assert keys.count <= 25, keys.count
    print(f"registered with {keys.count} key presses after the card swipe")

    case = Case.objects.get()
    assert (case.applicant_name, case.status, case.accepted_on is not None) == ("李秀英", "accepted", True)
    assert [i.name for i in case.items.all()] == ["个体工商户设立登记", "残疾人证补办"]
    assert set(extras) == {"个体工商户设立登记", "残疾人证补办"}
    form_a.wait_for_load_state()
    assert form_a.url == f"{page.base}/cases/{case.pk}/forms/A.pdf"
    assert "已登记办件" in page.locator(".messages").inner_text()
    pdf = page.request.get(form_a.url)
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_picker_chips_checklist_and_returning_applicant_pass_axe(org, browser, live_server, password):
    """The states the crawl of tests/browser/test_accessibility.py cannot reach (they need typing)."""
    from tests.browser.test_accessibility import _context, describe, run_axe

    make_listing(
        org,
        [org.town],
        count=50,
        extra=[("个体工商户设立登记", 3, False, [("申请人身份证", "both")]), ("残疾人证补办", 0, True, [])],
    )
    bundle = Bundle.objects.create(name="开办个体工商户一件事", audience="enterprise")
    for n, item in enumerate(
        Item.objects.filter(name__in=["个体工商户设立登记", "残疾人证补办"]).order_by("pk")
    ):
        BundleItem.objects.create(bundle=bundle, item=item, position=n)
    context = _context(browser)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    login(page, "town_agent", password)
    page.goto(page.base + "/cases/new/")
    # Enterprise: its own fields show, the person's hide.
    page.get_by_label("企业", exact=True).check()
    assert (
        page.get_by_label("统一社会信用代码").is_visible() and not page.get_by_label("身份证号").is_visible()
    )
    page.get_by_label("个人", exact=True).check()
    page.get_by_label("身份证号").fill(ID)
    page.get_by_label("申请人姓名 / 企业名称").fill("李秀英")
    page.get_by_label("联系电话").fill("13912345678")
    page.keyboard.press("Alt+s")
    page.keyboard.type("kbgtgsh")  # the 一件事 by its initials: both its items at once
    page.locator("#pick-list [role=option]").filter(has_text="一件事：开办个体工商户").wait_for()
    assert page.get_by_label("查找事项").get_attribute("aria-expanded") == "true"
    report = {"open list": run_axe(page)}
    page.keyboard.press("Enter")
    page.locator("#chosen-items .chip").nth(1).wait_for()
    assert page.locator("#chosen-items").inner_text().split() == [
        "个体工商户设立登记（3",
        "个工作日）",
        "残疾人证补办（即办）",
    ]
    page.locator("#chosen-items .chip").nth(1).locator("input").click()  # a chip is removed by unticking it
    page.locator("#chosen-items .chip").nth(1).wait_for(state="detached")
    page.locator("#checklist").filter(has_text="申请人身份证").wait_for()
    page.get_by_label("申请人身份证（原件和复印件 1 份）").check()
    with page.expect_navigation():
        page.get_by_role("button", name="登记").click()
    case = Case.objects.get()
    assert list(case.materials.values_list("form", flat=True)) == ["original", "copy"]
    # A second visit: the ID number finds the applicant, whose details are offered.
    page.goto(page.base + "/cases/new/")
    page.get_by_label("身份证号").fill(ID)
    page.get_by_label("联系电话").focus()  # change → lookup
    page.locator("#applicant-cases").filter(has_text=case.number).wait_for()
    report["returning applicant"] = run_axe(page)
    page.get_by_role("link", name="带入申请人信息").click()
    page.wait_for_function("document.getElementById('id_phone').value === '13912345678'")
    assert page.get_by_label("申请人姓名 / 企业名称").input_value() == "李秀英"
    shot(page, "register-returning-1366")
    context.close()
    report = {k: v for k, v in report.items() if v}
    assert not report, "\n".join(f"{k}:\n{describe(v)}" for k, v in report.items())


def test_the_same_registration_without_javascript(org, browser, live_server, password):
    """Every step posts back: 读卡 (a reader set to `|` — a TAB would move the focus without the
    script), the item search, the checklist, then 登记; form A is a link on the case page."""
    make_listing(
        org, [org.town], count=200, extra=[("个体工商户设立登记", 3, False, [("经营场所证明", "copy")])]
    )
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    login(page, "town_agent", password)
    page.goto(page.base + "/cases/new/")
    page.get_by_label("读卡（身份证读卡器）").fill(READER_LINE.replace("\t", "|"))
    page.get_by_label("读卡（身份证读卡器）").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_label("身份证号").input_value() == ID
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("查找事项").fill("gtgsh")
    page.get_by_label("查找事项").press("Enter")
    page.wait_for_load_state()
    page.get_by_label("个体工商户设立登记（3 个工作日）").check()
    page.get_by_role("button", name="查找").click()  # shows the checklist of what is chosen
    page.get_by_label("经营场所证明（复印件 1 份）").check()
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    case = Case.objects.get()
    assert [m.name for m in case.materials.all()] == ["经营场所证明"]
    assert (
        page.get_by_role("link", name="打印受理单（表 A）").get_attribute("href")
        == f"/cases/{case.pk}/forms/A.pdf"
    )
    context.close()


def test_a_second_click_on_register_posts_nothing_more(org, page_at, password):
    """While the first post is on its way (held here), a second click sends no second registration."""
    make_listing(org, [org.town], count=3, extra=[("残疾人证补办", 0, True, [])])
    page = page_at()
    login(page, "town_agent", password)
    page.goto(page.base + "/cases/new/")
    page.get_by_label("申请人姓名 / 企业名称").fill("李秀英")
    page.get_by_label("身份证号").fill(ID)
    page.get_by_label("联系电话").fill("13912345678")
    page.keyboard.press("Alt+s")
    page.keyboard.type("cjrzb")
    page.locator("#pick-list [role=option]").filter(has_text="残疾人证补办").wait_for()
    page.keyboard.press("Enter")
    page.locator("#chosen-items .chip").first.wait_for()
    # Two submissions in a row (a double click, or a click then Ctrl+Enter): count those the page let
    # through (a window listener runs after app.js's document listener).
    sent = page.evaluate(
        """() => {
            let sent = 0;
            window.addEventListener("submit", (e) => { if (!e.defaultPrevented) sent++; });
            const button = document.querySelector("button[name=register]");
            button.form.requestSubmit(button);
            button.form.requestSubmit(button);
            return sent;
        }"""
    )
    assert sent == 1
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    assert Case.objects.count() == 1
