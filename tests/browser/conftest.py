import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("chromium is required (REQUIRE_BROWSER) but not installed")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_at(browser, live_server, tmp_path):
    """A fresh page of a given viewport pointed at the live server; saves a screenshot on request."""
    pages = []

    def open_page(width=1366, height=768, mobile=False):
        context = browser.new_context(
            viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile, locale="zh-CN"
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base = live_server.url
        pages.append(context)
        return page

    yield open_page
    for context in pages:
        context.close()


def shot(page, name):
    directory = os.environ.get("SCREENSHOT_DIR", "var/screenshots")
    os.makedirs(directory, exist_ok=True)
    page.screenshot(path=os.path.join(directory, f"{name}.png"), full_page=True)
