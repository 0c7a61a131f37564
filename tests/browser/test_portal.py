"""The public portal in a real browser on a phone (390×844): axe-core in the standard and the 关怀版
modes, the 关怀版's own floor (text ≥ 20 px, tap targets ≥ 48 px), keyboard only, no JavaScript, and
read-aloud through the browser's speech synthesis."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_accessibility import AXE, describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(org):
    from bangban.catalog.models import Bundle, BundleItem
    from bangban.portal.tests.conftest import make_case, make_item

    item = make_item(org, "社会保障卡申领", promised=5)
    bundle = Bundle.objects.create(name="退休一件事", audience="citizen", description="退休要办的几件事")
    BundleItem.objects.create(bundle=bundle, item=item, position=1)
    for inst, address in ((org.county, "苏州高新区狮山街道"), (org.town, "通安镇"), (org.station, "树山村")):
        inst.address, inst.phone, inst.opening_hours = address, "0512-12345", "周一至周五 9:00-17:00"
        inst.save()
    case = make_case(org, item)
    from bangban.core import crypto
    from bangban.evaluations.services import review_invite_on_completion
    from bangban.knowledge.tests.factories import published

    article = published(
        org, "社保卡丢了怎么补办", "先拨打 12345 挂失，再带身份证到社保窗口补办。", items=[item]
    )
    invitation = review_invite_on_completion(case=case)
    review = f"/r/{crypto.decrypt(invitation.token_encrypted)}/"
    return {"item": item, "bundle": bundle, "case": case, "org": org, "article": article, "review": review}


def _pages(w) -> list[str]:
    return [
        "/",
        "/?town=320505101&village=320505101201",
        "/items/",
        "/items/?q=社会保障",
        f"/items/{w['item'].pk}/",
        "/items/bundles/",
        f"/items/bundles/{w['bundle'].pk}/",
        f"/cases/track/{w['case'].tracking_token}/",
        "/ask/",
        f"/ask/?item={w['item'].pk}",
        "/help/",
        "/remote/help/",
        "/track/",
        "/accessibility/",
        "/knowledge/",
        "/knowledge/?q=社保卡丢了",
        f"/knowledge/{w['article'].pk}/",
        w["review"],
        f"/evaluations/track/{w['case'].tracking_token}/",
    ]


def _phone_context(browser, **kw):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", bypass_csp=True, **kw
    )
    context.add_init_script(path=str(AXE))
    return context


CARE_FLOOR = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 20) out.push(`text ${size}px «${walker.currentNode.textContent.trim().slice(0, 12)}»`);
  }
  const targets = 'button, input, select, textarea, .button, .pub-nav a, .care-switch, .pub-links a';
  for (const el of document.querySelectorAll(targets)) {
    const r = el.getBoundingClientRect();
    if (!el.getClientRects().length || el.type === 'hidden') continue;
    if (r.height < 48) out.push(`target ${Math.round(r.height)}px ${el.tagName} «${(el.textContent || el.name).trim().slice(0, 12)}»`);
  }
  return out.slice(0, 8);
}"""


def _check(page, where: str, report: dict, care: bool):
    violations = run_axe(page)
    if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
        violations.append({"impact": "serious", "id": "scrolls-sideways", "help": "", "nodes": []})
    if care and (floor := page.evaluate(CARE_FLOOR)):
        nodes = [{"target": [f], "failureSummary": "关怀版 floor"} for f in floor]
        violations.append(
            {"impact": "serious", "id": "care-floor", "help": "≥ 20 px / ≥ 48 px", "nodes": nodes}
        )
    if violations:
        report[where] = violations


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_public_pages_pass_axe_in_both_modes_on_a_phone(browser, live_server, world):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}); run `npm ci`")
    report: dict[str, list] = {}
    for care in (False, True):
        context = _phone_context(browser)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(live_server.url + "/")
        if care:
            # The switch is a plain link on every page; the choice stays for the next pages.
            page.get_by_role("link", name="关怀版").click()
            page.wait_for_load_state()
            assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
        mode = "关怀版" if care else "标准版"
        for url in _pages(world):
            response = page.goto(live_server.url + url)
            assert response.status == 200, url
            assert page.get_by_role("link", name="返回标准版").is_visible() == care, url
            _check(page, f"{mode} {url}", report, care)
        # Remote help (远程帮办) is one tap away from the home and the help page in both modes.
        for start in ("/", "/help/"):
            page.goto(live_server.url + start)
            link = page.get_by_role("link", name="远程帮办", exact=True)
            expect(link).to_be_visible()
            link.click()
            expect(page).to_have_url(live_server.url + "/remote/help/")
            expect(page.get_by_role("heading", level=1)).to_contain_text("远程")
        # The form sent back with its errors: the summary takes the focus and passes too.
        page.goto(live_server.url + "/ask/")
        page.get_by_role("button", name="提交咨询").click()
        page.wait_for_load_state()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        _check(page, f"{mode} /ask/ (with errors)", report, care)
        shot(page, f"portal-ask-errors-{'care' if care else 'standard'}")
        # The rating page from the SMS link, sent without a level: the same.
        page.goto(live_server.url + world["review"])
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_load_state()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        _check(page, f"{mode} /r/… (with errors)", report, care)
        page.goto(live_server.url + "/?town=320505101&village=320505101201")
        shot(page, f"portal-home-{'care' if care else 'standard'}")
        context.close()
    assert not report, "public pages:\n" + "\n".join(f"{w}:\n{describe(v)}" for w, v in report.items())


def test_a_citizen_finds_an_item_and_asks_by_keyboard_alone(browser, live_server, world):
    from bangban.complaints.models import Consultation

    context = _phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("关怀版")
    with page.expect_navigation(url=live_server.url + "/"):
        page.keyboard.press("Enter")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    page.focus("#home-q")
    page.keyboard.type("社会保障")  # the knowledge search (/search/): colloquial words too
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "社会保障卡申领" in page.locator("main").inner_text()
    page.goto(live_server.url + f"/items/{world['item'].pk}/")
    link = page.get_by_role("link", name="对这个事项有疑问？留言咨询")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_label("您想问什么").fill("我八十岁了，能请人上门帮我办吗？")
    page.get_by_label("手机号码").fill("13912345678")
    # The phone is proven by an SMS code (bookings' codes), read here from the outbox.
    page.get_by_role("button", name="获取验证码").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    from bangban.bookings.tests.conftest import last_code

    page.get_by_label("短信验证码").fill(last_code("13912345678"))
    # Enter in the code field submits the question (the form's first button), not a new code.
    with page.expect_navigation(url=lambda u: "/ask/done/" in u):
        page.get_by_label("短信验证码").press("Enter")
    assert page.locator("h1").inner_text() == "咨询已收到"
    assert Consultation.objects.get().item_id == world["item"].pk
    context.close()


def test_everything_works_without_javascript(browser, live_server, world):
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/")
    assert page.locator("#read-aloud").is_hidden()  # nothing to offer without the browser's voice
    with page.expect_navigation(url=live_server.url + "/"):
        page.get_by_role("link", name="关怀版").click()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    page.get_by_label("镇（街道）").select_option(label="通安镇")
    page.get_by_role("button", name="查找").click()
    page.get_by_label("村（社区）").select_option(label="树山村")
    page.get_by_role("button", name="查找").click()
    assert page.locator(".pub-place-name").first.inner_text().startswith("树山村便民服务站")
    assert page.locator("a.tel").first.get_attribute("href") == "tel:051212345"
    with page.expect_navigation(url=lambda u: "village=" in u):
        page.get_by_role("link", name="返回标准版").click()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    context.close()


SPEECH_STUB = """
window.__spoken = [];
Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
  speaking: false, paused: false,
  getVoices() { return [{lang: 'en-US', name: 'en'}, {lang: 'zh-CN', name: 'zh'}]; },
  speak(u) { window.__spoken.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name}); this.speaking = true; },
  cancel() { window.__spoken.push('cancel'); this.speaking = false; this.paused = false; },
  pause() { window.__spoken.push('pause'); this.paused = true; },
  resume() { window.__spoken.push('resume'); this.paused = false; },
}});
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""


@pytest.mark.one_database("sqlite")  # speech synthesis in the browser: the database plays no part
def test_read_aloud_speaks_the_main_text_in_chinese(browser, live_server, world):
    context = _phone_context(browser)
    context.add_init_script(SPEECH_STUB)
    page = context.new_page()
    page.goto(live_server.url + "/accessibility/")
    page.get_by_role("button", name="朗读本页").click()
    spoken = page.evaluate("window.__spoken")
    pieces = [s for s in spoken if isinstance(s, dict)]
    text = "".join(p["text"] for p in pieces)
    assert "无障碍声明" in text and "关怀版" in text
    assert "主办：" not in text and "工作人员登录" not in text  # only <main>
    assert all(p["lang"] == "zh-CN" and p["voice"] == "zh" and len(p["text"]) <= 200 for p in pieces)
    assert page.locator("#read-aloud-status").inner_text() == "正在朗读"
    page.get_by_role("button", name="暂停").click()
    page.get_by_role("button", name="朗读本页").click()  # continues where it paused
    page.get_by_role("button", name="停止").click()
    assert page.evaluate("window.__spoken.filter(s => typeof s === 'string')") == [
        "cancel",
        "pause",
        "resume",
        "cancel",
    ]
    context.close()
    # A browser without speech synthesis shows no read-aloud buttons.
    context = _phone_context(browser)
    context.add_init_script(
        "delete Window.prototype.speechSynthesis; delete window.speechSynthesis;"
        " delete window.SpeechSynthesisUtterance;"
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.locator("#read-aloud").is_hidden()
    context.close()
