"""The window's consultation register by keyboard alone: question, answer, item from the 清单's
suggestions, Ctrl+Enter; the consultation is registered answered and listed under the form."""

import time

import pytest

from bangban.cases.tests.conftest import make_item
from bangban.complaints.models import Consultation
from tests.browser.conftest import shot
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_a_consultation_by_keyboard(org, page_at, password):
    item = make_item(org, "个体工商户设立登记", promised=3)
    page = page_at()
    login(page, "town_agent", password)
    page.goto(page.base + "/complaints/consultations/")
    assert page.evaluate("document.activeElement.name") == "question"  # ready to type
    started = time.monotonic()
    page.keyboard.type("开个体户需要带什么材料？")
    page.keyboard.press("Tab")
    page.keyboard.type("身份证和经营场所证明，可当场办理。")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "item_name"
    page.keyboard.type("个体工商户")
    # The suggestions come from the 清单 (the picker's endpoint); the exact name resolves on the server.
    page.locator("#item-options option").first.wait_for(state="attached")
    page.keyboard.press("Control+a")
    page.keyboard.type("个体工商户设立登记")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/complaints/consultations/")
    page.locator(".msg").filter(has_text="已登记咨询并答复").wait_for()
    elapsed = time.monotonic() - started
    c = Consultation.objects.get()
    assert c.is_answered and c.item_id == item.pk and c.channel == "window" and c.resolved
    assert "开个体户需要带什么材料" in page.locator("#today").inner_text()
    assert page.evaluate("document.activeElement.name") == "question"  # ready for the next one
    shot(page, "consultation-keyboard-1366")
    assert elapsed < 20, elapsed


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_complaint_and_consultation_pages_pass_axe(org, browser, live_server, password):
    """axe-core (WCAG 2.2 AA) on the complaint and consultation pages with data on them (the crawl's
    demo world has none): a late complaint with steps, a form sent back with errors, a waiting question."""
    import datetime

    import time_machine

    from bangban.complaints import services
    from tests.browser.test_accessibility import AXE, _context, describe, run_axe

    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}); run `npm ci`")
    handler = org.user("coordinator")
    with time_machine.travel(datetime.datetime(2025, 9, 30, 10), tick=False):
        c = services.complaint_register(
            by=handler,
            channel="hotline",
            hotline_ticket="GD001",
            content="排队太久",
            complainant_name="王芳",
            phone="13912345678",
            institution=org.town,
        )
        services.complaint_accept(by=handler, complaint=c, text="受理")
    q = services.consultation_register(
        by=handler, channel="online", question="网上能办吗？", phone="13900001111"
    )
    context = _context(browser)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    login(page, "coordinator", password)
    page.wait_for_url(live_server.url + "/staff/")
    report = {}
    for url in [
        "/complaints/",
        "/complaints/?late=1",
        f"/complaints/{c.pk}/",
        "/complaints/new/",
        "/complaints/consultations/",
        f"/complaints/consultations/{q.pk}/",
    ]:
        page.goto(live_server.url + url)
        assert "/accounts/login/" not in page.url and page.locator("h1").count() == 1, url
        if violations := run_axe(page):
            report[url] = violations
    page.goto(live_server.url + "/complaints/new/")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    if violations := run_axe(page):
        report["/complaints/new/ (with errors)"] = violations
    context.close()
    assert not report, "\n".join(f"{where}:\n{describe(v)}" for where, v in report.items())
