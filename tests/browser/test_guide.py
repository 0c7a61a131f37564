"""The 办事指南 on a phone: every element readable without sideways scrolling, the citizen picks their
town's center and sees its place and hours, calls by tapping, downloads the blank form."""

import datetime

import pytest
from django.core.files.base import ContentFile

from bangban.catalog import services
from bangban.catalog.tests.conftest import item_data
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_guide_on_a_phone(org, page_at, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = services.item_create(
        by=None,
        data=item_data(
            org,
            procedure="申请 → 受理 → 决定",
            consult_phone="0512-12345",
            complaint_phone="12345",
            service_objects=["enterprise"],
            visits=1,
            online_depth="3",
            delivery_methods=["window", "mail"],
            not_applicable=["intermediary", "quantity_limit"],
            fee_items=[
                {"name": "工本费", "amount": "10.00", "basis": "《收费标准》", "reduction": "低保户免收"}
            ],
            places=[
                {"institution": None, "address": "政务服务中心 5 号窗口", "hours": "工作日 9:00–17:00"},
                {"institution": org.town, "address": "镇便民服务中心 2 号窗口", "hours": "周一至周六上午"},
            ],
        ),
    )
    draft = item.versions.get()
    material = draft.materials.first()
    material.blank_form.save("申请书.pdf", ContentFile(b"%PDF-1.4 blank"), save=True)
    services.item_version_publish(by=None, version=draft, valid_from=datetime.date(2025, 1, 1))
    services.listing_set(by=None, institution=org.town, item=item, offers_help=True, offers_agency=False)

    page = page_at(375, 740, mobile=True)
    page.goto(f"{page.base}/items/{item.pk}/")
    page.get_by_role("heading", name="食品经营许可（新办） · 办事指南").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    body = page.locator("main").inner_text()
    for text in ("企业法人", "最多跑一次", "工本费", "低保户免收", "政务服务中心 5 号窗口", "邮寄送达"):
        assert text in body, text
    assert page.locator('a[href="tel:12345"]').count() == 1
    shot(page, "guide-phone")
    page.get_by_role("link", name=org.town.name).click()
    page.get_by_text("镇便民服务中心 2 号窗口").wait_for()
    assert "周一至周六上午" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载空白表格").click()
    assert download.value.suggested_filename.endswith(".pdf")


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_guide_pages_pass_axe(org, browser, live_server, settings):
    """The public guide (signed out) and the draft editor with its guide sections: no axe violation."""
    from tests.browser.test_accessibility import AXE, _context, _login, run_axe, small_text

    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}); run `npm ci`")
    item = services.item_create(
        by=None,
        data=item_data(
            org,
            complaint_phone="12345",
            fee_items=[{"name": "工本费", "amount": "10.00", "basis": "《收费标准》"}],
            places=[{"institution": None, "address": "政务服务中心 5 号窗口", "hours": "工作日"}],
        ),
    )
    draft = services.item_create(by=org.user("catalog_admin"), data=item_data(org, basic_code="000105003002"))
    services.item_version_publish(by=None, version=item.versions.get(), valid_from=datetime.date(2025, 1, 1))
    report = {}
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/items/{item.pk}/")
    report["public guide"] = run_axe(page) + small_text(page)
    context.close()
    context = _login(browser, live_server, "catalog_admin")
    page = context.new_page()
    for url in (
        f"/catalog/versions/{draft.versions.get().pk}/edit/",
        f"/catalog/versions/{item.versions.get().pk}/",
    ):
        page.goto(live_server.url + url)
        report[url] = run_axe(page) + small_text(page)
    context.close()
    assert {k: v for k, v in report.items() if v} == {}
