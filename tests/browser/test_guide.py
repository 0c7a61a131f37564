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
