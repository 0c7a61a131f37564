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
