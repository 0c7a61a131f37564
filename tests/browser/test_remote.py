"""Remote help (issue 12) in two browsers with fake media devices: a village station clerk calls, the
town agent answers, the WebRTC peer connection reaches `connected` with audio and video flowing both
ways, chat crosses, the agent fills the registration form and the clerk sees and confirms it, the case
is accepted at the station with the agent as handler and the session is on its timeline. Then the same
call with the camera refused: chat only."""

import pytest
from playwright.sync_api import expect

from bangban.cases.models import Case
from bangban.cases.tests.conftest import make_item
from bangban.remote import services
from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MEDIA_ARGS = [*ARGS, "--use-fake-device-for-media-stream", "--disable-features=WebRtcHideLocalIpsWithMdns"]

INBOUND = """async () => {
  const stats = await window.bangbanRemote.pc.getStats();
  const out = {};
  stats.forEach((s) => { if (s.type === 'inbound-rtp') out[s.kind] = s.bytesReceived; });
  return out;
}"""


@pytest.fixture(scope="module")
def media_browser(browser):
    """Chromium with fake camera and microphone, from the session's Playwright (a second sync
    Playwright cannot start in the same thread); each context grants (or refuses) them itself."""
    media = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
    yield media
    media.close()


@pytest.fixture
def setup(org, settings):
    settings.BANGBAN_REMOTE_WAIT_SECONDS = 3  # short waits: the live server's threads end with the test
    item = make_item(org, "个体工商户设立登记", promised=5)
    window = services.window_save(
        by=org.user("town_admin"), institution=org.town, name="远程帮办一号窗", tiers="3"
    )
    services.duty_start(by=org.user("town_agent"), window=window)
    return item


def _open(browser, live_server, *, media: bool):
    context = browser.new_context(
        permissions=["camera", "microphone"] if media else [],
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.base = live_server.url
    return page


def _call_and_answer(browser, live_server, password, item, *, clerk_media: bool):
    clerk = _open(browser, live_server, media=clerk_media)
    login(clerk, "station_agent", password)
    clerk.goto(clerk.base + "/remote/call/")
    clerk.get_by_label("申请人姓名").fill("张三")
    clerk.get_by_label("事项").select_option(value=str(item.pk))
    clerk.get_by_role("button", name="呼叫云窗口").click()
    expect(clerk.locator("#remote-status")).to_contain_text("排队中：您是第 1 位")

    agent = _open(browser, live_server, media=True)
    login(agent, "town_agent", password)
    agent.goto(agent.base + "/remote/")
    expect(agent.locator("#remote-queue")).to_contain_text("张三")
    agent.locator("#remote-queue").get_by_role("button", name="接听").click()
    expect(agent.locator("#remote-status")).to_contain_text("通话中")
    expect(clerk.locator("#remote-status")).to_contain_text("通话中")
    return clerk, agent


def _chat(sender, receiver, text):
    sender.get_by_label("消息").fill(text)
    sender.get_by_role("button", name="发送").click()
    expect(receiver.locator("#remote-chat")).to_contain_text(text)


def test_station_calls_town_answers_by_video_and_accepts_the_case(
    org, setup, media_browser, live_server, password
):
    clerk, agent = _call_and_answer(media_browser, live_server, password, setup, clerk_media=True)
    connected = "() => window.bangbanRemote.pc && window.bangbanRemote.pc.connectionState === 'connected'"
    clerk.wait_for_function(connected)
    agent.wait_for_function(connected)
    first = {p: p.evaluate(INBOUND) for p in (clerk, agent)}
    clerk.wait_for_timeout(1500)
    for page in (clerk, agent):
        now = page.evaluate(INBOUND)
        assert set(now) >= {"audio", "video"}, now
        assert now["audio"] > first[page].get("audio", 0) and now["video"] > first[page].get("video", 0), (
            first,
            now,
        )

    _chat(clerk, agent, "申请人想办个体户营业执照")
    _chat(agent, clerk, "好的，我来帮您登记")

    agent.get_by_label("证件号码").fill("110101199003071233")
    agent.get_by_label("联系电话").fill("13912345678")
    expect(clerk.locator("#remote-shared-form")).to_contain_text("110101199003071233")
    expect(clerk.locator("#remote-shared-form")).to_contain_text("13912345678")
    expect(clerk.locator("#remote-shared-form")).to_contain_text("个体工商户设立登记")
    agent.get_by_role("button", name="推送办事指南").click()
    expect(clerk.locator("#remote-links")).to_contain_text("个体工商户设立登记·办事指南")
    clerk.get_by_role("button", name="内容无误，确认").click()
    expect(agent.get_by_role("button", name="远程受理")).to_be_enabled()
    agent.get_by_role("button", name="远程受理").click()
    expect(agent.locator("#remote-case")).to_contain_text("已远程受理")
    expect(clerk.locator("#remote-status")).to_contain_text("办件编号")

    case = Case.objects.get()
    assert case.institution == org.station and case.agent == org.user("town_agent")
    agent.get_by_role("button", name="结束会话").click()
    expect(agent.locator("h1")).to_have_text("远程帮办")
    expect(clerk.locator("#remote-status")).to_contain_text("已结束")
    agent.goto(agent.base + f"/cases/{case.pk}/")
    expect(agent.locator("body")).to_contain_text("远程帮办会话")
    expect(agent.locator("body")).to_contain_text("申请人想办个体户营业执照")


def test_camera_refused_falls_back_to_chat(org, setup, media_browser, live_server, password):
    clerk, agent = _call_and_answer(media_browser, live_server, password, setup, clerk_media=False)
    expect(clerk.locator("#remote-media-note")).to_contain_text("仅文字交流")
    expect(agent.locator("#remote-media-note")).to_contain_text("仅文字交流")
    _chat(clerk, agent, "摄像头不能用，我们打字吧")
    _chat(agent, clerk, "可以")
    assert agent.evaluate("() => window.bangbanRemote.pc") is None
