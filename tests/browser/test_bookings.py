"""A citizen on a phone-sized screen asks for help online, books a window slot with the SMS code,
the agent sees the booking in the queue, the citizen tracks the case by number + phone and signs
the entrustment on the phone; form C carries the signature."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from bangban.bookings.models import EntrustmentSignature, Slot
from bangban.cases import documents
from bangban.cases.models import Case
from bangban.cases.services import case_analyse, case_entrust
from bangban.cases.tests.conftest import make_item
from bangban.core import crypto
from bangban.notifications.models import Message
from tests.browser.conftest import shot
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13912345678"
PHONE_SIZE = {"width": 390, "height": 844, "mobile": True}


def sms_code() -> str:
    message = (
        Message.objects.filter(event=Message.Event.VERIFY, phone_hash=crypto.lookup_hash(PHONE))
        .order_by("-id")
        .first()
    )
    return re.search(r"验证码(\d{6})", message.text).group(1)


def agent_sees_booking_and_sends_sign_link(page_at, password, org, case, label):
    """The town agent finds the booking in the queue, records the entrustment and sends the applicant
    the signing link by SMS (shared by this test and the issue's journey)."""
    desk = page_at()
    login(desk, "town_agent", password)
    desk.goto(desk.base + "/cases/")
    assert f"预约 {label}" in desk.locator("table").inner_text()
    agent = org.user("town_agent")
    case = case_analyse(case=case, by=agent, analysis="代办社保卡申领")
    today = timezone.localdate()
    case_entrust(
        case=case, by=agent, scope="whole", period_start=today, period_end=today + datetime.timedelta(days=30)
    )
    desk.goto(desk.base + f"/cases/{case.pk}/")
    desk.get_by_role("link", name="请申请人签名").click()
    desk.get_by_role("button", name="短信发送签名链接").click()
    desk.locator(".msg").filter(has_text="签名链接已通过短信发送").wait_for()
    return desk, case


def test_citizen_asks_books_tracks_and_signs_on_a_phone(org, page_at, password):
    item = make_item(org, "社会保障卡申领", promised=5)
    day = timezone.localdate() + datetime.timedelta(days=1)
    slot = Slot.objects.create(
        institution=org.town, date=day, start=datetime.time(9), end=datetime.time(10), capacity=3
    )
    label = f"{day.month}月{day.day}日 9:00"

    # 1. The citizen picks their town, the item, 替我办, a window slot; gets the code; submits.
    phone = page_at(390, 844, mobile=True)
    phone.goto(phone.base + "/bookings/ask/")
    phone.select_option("#place", "320505101")
    phone.get_by_role("button", name="下一步").click()
    phone.get_by_text("第二步").wait_for()
    assert "通安镇便民服务中心" in phone.locator("h2").nth(1).inner_text()
    phone.get_by_label("替我办：委托工作人员代我办理（需签委托书）").check()
    phone.select_option("#id_item", str(item.pk))
    phone.select_option("#id_slot", str(slot.pk))
    phone.get_by_label("您的姓名").fill("李大爷")
    phone.get_by_label("手机号码").fill(PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    phone.locator(".msg").filter(has_text="验证码已发送").wait_for()
    # The choices survive the round trip (no JavaScript needed).
    assert phone.locator("#id_slot").input_value() == str(slot.pk)
    phone.get_by_label("短信验证码").fill(sms_code())
    phone.get_by_role("button", name="提交申请").click()
    phone.wait_for_url("**/cases/track/**")
    case = Case.objects.get()
    assert case.number in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    shot(phone, "bookings-ask-done-390")
    booking_sms = Message.objects.get(event=Message.Event.BOOKING)
    assert case.number in booking_sms.text and label in booking_sms.text

    # 2. The agent sees the booking in the queue and records the entrustment.
    desk, case = agent_sees_booking_and_sends_sign_link(page_at, password, org, case, label)

    # 3. The citizen tracks the case by number + phone.
    phone.goto(phone.base + "/bookings/track/")
    phone.get_by_label("办件编号").fill(case.number)
    phone.get_by_label("申请时留的手机号码").fill(PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    phone.locator(".msg").filter(has_text="验证码已发送").wait_for()
    phone.get_by_label("短信验证码").fill(sms_code())
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_url(f"**/cases/track/{case.tracking_token}/")
    assert "已签订代办委托书" in phone.locator("main").inner_text()

    # 4. The citizen opens the SMS link and signs with a finger.
    link = Message.objects.get(dedupe_key__startswith="signlink:").text.rsplit("：", 1)[1]
    phone.goto(phone.base + urlsplit(link).path)
    pad = phone.locator("#sign-pad")
    pad.wait_for()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] / 2 + (-1) ** step * 20)
    phone.mouse.up()
    shot(phone, "bookings-sign-390")
    phone.get_by_role("button", name="确认签名").click()
    phone.get_by_role("heading", name="签名完成").wait_for()

    signature = EntrustmentSignature.objects.get()
    assert signature.channel == "phone" and signature.width == 600
    assert b"/Subtype /Image" in documents.render(case, "C")


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_booking_pages_pass_axe(org, browser, live_server, password):
    """axe-core (WCAG 2.2 AA) on the public pages (with errors too) and the staff pages of bookings."""
    from bangban.bookings import services
    from tests.browser.test_accessibility import AXE, _context, describe, run_axe

    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}); run `npm ci`")
    item = make_item(org, "社会保障卡申领", promised=5)
    day = timezone.localdate() + datetime.timedelta(days=1)
    Slot.objects.create(
        institution=org.town, date=day, start=datetime.time(9), end=datetime.time(10), capacity=3
    )
    services.slot_template_save(
        by=org.user("town_admin"),
        institution=org.town,
        weekday=2,
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=3,
    )
    services.request_code(phone=PHONE)
    case = services.request_create(
        institution=org.town,
        kind="agency",
        way="remote",
        applicant_name="李大爷",
        phone=PHONE,
        code=sms_code(),
        items=[item.pk],
    )
    agent = org.user("town_agent")
    case = case_analyse(case=case, by=agent, analysis="代办")
    today = timezone.localdate()
    case_entrust(
        case=case, by=agent, scope="whole", period_start=today, period_end=today + datetime.timedelta(days=30)
    )
    entrustment = case.entrustments.get()
    link = services.sign_link_send(by=agent, entrustment=entrustment)

    context = _context(browser)
    page = context.new_page()
    page.set_default_timeout(15000)
    report = {}

    def check(where):
        assert "/accounts/login/" not in page.url and page.locator("h1").count() == 1, where
        if violations := run_axe(page):
            report[where] = violations

    for url in [
        "/bookings/ask/",
        "/bookings/ask/?place=320505101",
        "/bookings/track/",
        "/bookings/manage/",
        urlsplit(link).path,
    ]:
        page.goto(live_server.url + url)
        assert page.locator("h1").count() == 1, url
        check(url)
    page.goto(live_server.url + "/bookings/ask/?place=320505101")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    check("/bookings/ask/ (with errors)")
    page.goto(live_server.url + "/bookings/track/")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    check("/bookings/track/ (with errors)")
    page.base = live_server.url
    login(page, "town_admin", password)
    page.wait_for_url(live_server.url + "/staff/")
    for url in ["/bookings/templates/", f"/cases/{case.pk}/"]:
        page.goto(live_server.url + url)
        check(url)
    context.close()
    context = _context(browser)
    page = context.new_page()
    page.base = live_server.url
    login(page, "town_agent", password)
    page.wait_for_url(live_server.url + "/staff/")
    for url in [f"/bookings/entrustments/{entrustment.pk}/sign/", "/cases/"]:
        page.goto(live_server.url + url)
        check(url)
    context.close()
    assert not report, "\n".join(f"{where}:\n{describe(v)}" for where, v in report.items())
