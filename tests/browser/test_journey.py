"""Issue 11's "Done when" in a real browser: on a phone-sized screen (390×844), in 关怀版, a citizen
finds the item by "办社保卡", asks for help with a booked window slot (SMS code from the outbox), the
agent sees the booking in the queue, the citizen tracks the case by number + phone, signs the
entrustment on the phone, and evaluates the completed case from the tracking page. Then axe-core on
every public page this integration touched, in both modes."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from bangban.bookings.models import EntrustmentSignature, Slot
from bangban.cases.models import Case
from bangban.cases.services import case_analyse, case_complete, case_entrust, case_start
from bangban.notifications.models import Message
from tests.browser.conftest import shot
from tests.browser.test_bookings import PHONE, agent_sees_booking_and_sends_sign_link, sms_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _journey_world(org):
    from bangban.cases.tests.conftest import make_item
    from bangban.knowledge.tests.factories import published

    item = make_item(org, "社会保障卡申领", promised=5)
    published(org, "社保卡怎么办？", "带上居民身份证到便民服务中心申领社会保障卡。", items=[item])
    day = timezone.localdate() + datetime.timedelta(days=1)
    slot = Slot.objects.create(
        institution=org.town, date=day, start=datetime.time(9), end=datetime.time(10), capacity=3
    )
    return item, slot, f"{day.month}月{day.day}日 9:00"


def test_the_citizen_journey_on_a_phone_in_care_mode(org, page_at, password):
    item, slot, label = _journey_world(org)
    phone = page_at(390, 844, mobile=True)

    # 关怀版, remembered on the device.
    phone.goto(phone.base + "/")
    phone.get_by_role("link", name="关怀版").click()
    phone.wait_for_load_state()
    assert phone.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"

    # 1. "办社保卡" in the home's search box finds 社会保障卡申领; ask for help with it.
    phone.locator("#home-q").fill("办社保卡")
    phone.locator("#home-q").press("Enter")
    phone.wait_for_url("**/search/**")
    phone.get_by_role("link", name="社会保障卡申领").first.wait_for()
    phone.get_by_role("link", name="请人帮我办这件事").first.click()
    phone.wait_for_url("**/bookings/ask/**")
    phone.select_option("#place", "320505101")
    phone.get_by_role("button", name="下一步").click()
    phone.get_by_text("第二步").wait_for()
    phone.get_by_label("替我办：委托工作人员代我办理（需签委托书）").check()
    phone.select_option("#id_item", str(item.pk))
    phone.select_option("#id_slot", str(slot.pk))
    phone.get_by_label("您的姓名").fill("李大爷")
    phone.get_by_label("手机号码").fill(PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    phone.locator(".msg").filter(has_text="验证码已发送").wait_for()
    phone.get_by_label("短信验证码").fill(sms_code())
    phone.get_by_role("button", name="提交申请").click()
    phone.wait_for_url("**/cases/track/**")
    case = Case.objects.get()
    assert case.number in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "journey-asked-care-390")

    # 2. The agent sees the booking in the queue; the case becomes 代办 with an entrustment.
    desk, case = agent_sees_booking_and_sends_sign_link(page_at, password, org, case, label)
    agent = org.user("town_agent")

    # 3. Tracking by number + phone, from the portal's 进度查询.
    phone.goto(phone.base + "/track/")
    phone.get_by_role("link", name="按编号查询").click()
    phone.get_by_label("办件编号").fill(case.number)
    phone.get_by_label("申请时留的手机号码").fill(PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    phone.locator(".msg").filter(has_text="验证码已发送").wait_for()
    phone.get_by_label("短信验证码").fill(sms_code())
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_url(f"**/cases/track/{case.tracking_token}/")

    # 4. Signing the entrustment on the phone through the SMS link, with a finger.
    link = Message.objects.get(dedupe_key__startswith="signlink:").text.rsplit("：", 1)[1]
    phone.goto(phone.base + urlsplit(link).path)
    pad = phone.locator("#sign-pad")
    pad.wait_for()
    pad.scroll_into_view_if_needed()  # the 关怀版's big text pushes it below the fold
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] / 2 + (-1) ** step * 20)
    phone.mouse.up()
    phone.get_by_role("button", name="确认签名").click()
    phone.wait_for_load_state()
    assert "签名完成" in phone.locator("main").inner_text(), phone.locator("main").inner_text()
    assert EntrustmentSignature.objects.get().channel == "phone"

    # 5. The agent completes the case; the citizen evaluates it from the tracking page.
    case = case_start(case=Case.objects.get(pk=case.pk), by=agent)
    case_complete(case=case, by=agent, result="社保卡已制卡，待领取")
    phone.get_by_role("link", name="查看办件进度").click()
    phone.get_by_role("link", name="评价本次服务").click()
    phone.locator("label[for=level-5]").click()
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_load_state()
    from bangban.evaluations.models import Review

    assert Review.objects.get().case_id == case.pk
    shot(phone, "journey-evaluated-care-390")


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_touched_public_pages_pass_axe_in_both_modes(browser, live_server, org):
    """The bookings public pages in the portal shell, the portal search, help and track hubs, 留言咨询
    with its code button: axe-core 0 violations in the standard and the 关怀版 mode on a phone."""
    from tests.browser.test_accessibility import AXE, describe
    from tests.browser.test_portal import _check, _phone_context

    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}); run `npm ci`")
    from bangban.bookings import services

    item, _slot, _label = _journey_world(org)
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
    sign_url = services.sign_link_send(by=agent, entrustment=case.entrustments.get())
    pages = [
        urlsplit(sign_url).path,
        "/bookings/sign/no-such-link/",
        "/search/?q=办社保卡",
        "/search/?q=火星签证",
        "/help/",
        "/track/",
        "/ask/",
        "/bookings/ask/",
        "/bookings/ask/?way=door",
        f"/bookings/ask/?institution={org.town.pk}&q=办社保卡",
        "/bookings/track/",
        "/bookings/manage/",
    ]
    report: dict[str, list] = {}
    for care in (False, True):
        context = _phone_context(browser)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(live_server.url + "/")
        if care:
            page.get_by_role("link", name="关怀版").click()
            page.wait_for_load_state()
        mode = "关怀版" if care else "标准版"
        for url in pages:
            response = page.goto(live_server.url + url)
            assert response.status == (404 if "no-such" in url else 200), url
            _check(page, f"{mode} {url}", report, care)
        # Forms sent back with errors, and the code sent.
        page.goto(live_server.url + "/bookings/track/")
        page.get_by_role("button", name="查询").click()
        page.wait_for_load_state()
        _check(page, f"{mode} /bookings/track/ (with errors)", report, care)
        page.goto(live_server.url + "/ask/")
        page.get_by_label("手机号码").fill(f"1391234567{int(care)}")
        page.get_by_role("button", name="获取验证码").click()
        page.wait_for_load_state()
        _check(page, f"{mode} /ask/ (code sent)", report, care)
        context.close()
    assert not report, "public pages:\n" + "\n".join(f"{w}:\n{describe(v)}" for w, v in report.items())
