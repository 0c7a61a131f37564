"""Catalog pages: the 事项管理员 flow in forms, the four-eyes review, 清单, public search, 办事指南 and 告知书."""

import datetime
import io

import pytest
import time_machine
from pypdf import PdfReader

from bangban.catalog import selectors, services
from bangban.catalog.models import Adjustment, Item, ListingEntry
from bangban.catalog.tests.conftest import CREDIT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def item_form(cat, **overrides):
    data = {
        "name": "个体工商户设立登记",
        "item_type": "01",
        "basic_code": "000105001001",
        "main_basic_code": "000105001000",
        "main_item_name": "个体工商户登记",
        "competent_department": "市场监督管理部门",
        "department": str(cat.department.pk),
        "level": "4",
        "handling_tiers": ["1", "2"],
        "help_tiers": ["1", "2", "3"],
        "agency_tiers": ["1", "2"],
        "is_immediate": "0",
        "statutory_days": "3",
        "promised_days": "1",
        "channels": ["window", "online"],
        "tags": ["startup"],
        **management("legal", 2),
        "legal-0-rank": "2",
        "legal-0-title": "《促进个体工商户发展条例》",
        "legal-0-article": "第二条",
        "legal-0-text": "",
        "legal-1-rank": "1",  # untouched extra row: not saved
        **management("materials", 2),
        "materials-0-name": "个体工商户登记（备案）申请书",
        "materials-0-kind": "original",
        "materials-0-copies": "1",
        "materials-0-required": "1",
        "materials-0-source": "applicant",
        "materials-1-kind": "original",
        "materials-1-copies": "1",
        "materials-1-required": "1",
        "materials-1-source": "applicant",
    }
    data.update(overrides)
    return data


def test_catalog_admin_creates_publishes_adjusts_and_another_approves(cat, web):
    admin = web(cat.user("catalog_admin"))
    response = admin.post("/catalog/items/new/", item_form(cat))
    item = Item.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/catalog/items/{item.pk}/"
    draft = item.versions.get()
    assert draft.implementation_code == f"{CREDIT}4000105001001"
    assert [m.name for m in draft.materials.all()] == ["个体工商户登记（备案）申请书"]
    assert [e.title for e in draft.legal_bases.all()] == ["《促进个体工商户发展条例》"]
    page = admin.get(f"/catalog/items/{item.pk}/").content.decode()
    assert "编辑草稿" in page and "提交发布审核" in page and "/publish/" not in page

    response = admin.post(
        f"/catalog/versions/{draft.pk}/submit/", {"effective_on": "2026-03-02", "trigger": "reform"}
    )
    publication = Adjustment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/catalog/adjustments/{publication.pk}/"
    page = admin.get(f"/catalog/adjustments/{publication.pk}/").content.decode()
    assert "须由另一位事项管理员审核" in page and 'value="approve"' not in page
    page = admin.get(f"/catalog/items/{item.pk}/").content.decode()
    assert "提交发布审核" not in page and f"/catalog/adjustments/{publication.pk}/" in page
    web(cat.user("catalog_admin2")).post(
        f"/catalog/adjustments/{publication.pk}/review/", {"decision": "approve", "note": "同意"}
    )
    admin = web(cat.user("catalog_admin"))
    page = admin.get(f"/catalog/items/{item.pk}/").content.decode()
    assert "第 1 版" in page and "2026-03-02 施行中" in page and "发起事项调整" in page

    response = admin.post(
        f"/catalog/adjustments/new/?item={item.pk}",
        {
            "kind": "change",
            "trigger": "reform",
            "justification": "压缩承诺时限",
            "effective_on": "2026-04-01",
            "items": item.implementation_code,
        },
    )
    adjustment = Adjustment.objects.exclude(pk=publication.pk).get()
    assert response["Location"] == f"/catalog/adjustments/{adjustment.pk}/"
    proposed = adjustment.proposed_versions.get()
    edit = item_form(
        cat, is_immediate="1", promised_days="0", **management("legal", 1, 1), **management("materials", 1, 1)
    )
    response = admin.post(f"/catalog/versions/{proposed.pk}/edit/", edit)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = admin.get(f"/catalog/adjustments/{adjustment.pk}/").content.decode()
    assert "即办件" in page and "承诺件" in page and 'class="changed"' in page  # side-by-side diff
    admin.post(f"/catalog/adjustments/{adjustment.pk}/submit/")
    page = admin.get(f"/catalog/adjustments/{adjustment.pk}/").content.decode()
    assert "须由另一位事项管理员审核" in page and 'value="approve"' not in page
    admin.post(f"/catalog/adjustments/{adjustment.pk}/review/", {"decision": "approve"})
    assert Adjustment.objects.get(pk=adjustment.pk).status == Adjustment.Status.SUBMITTED  # refused

    reviewer = web(cat.user("catalog_admin2"))
    assert 'value="approve"' in reviewer.get(f"/catalog/adjustments/{adjustment.pk}/").content.decode()
    assert "待我审核的事项调整" in reviewer.get("/staff/").content.decode()
    reviewer.post(f"/catalog/adjustments/{adjustment.pk}/review/", {"decision": "approve", "note": "同意"})
    assert Adjustment.objects.get(pk=adjustment.pk).status == Adjustment.Status.APPROVED

    page = reviewer.get(f"/catalog/items/{item.pk}/").content.decode()
    assert "第 2 版" in page and "待生效" in page and "至 2026-03-31 止" in page
    assert "承诺 1 个工作日" in page  # today: the old version is still the one in force
    assert "即办（当场办结）" in reviewer.get(f"/catalog/items/{item.pk}/?on=2026-04-01").content.decode()
    with time_machine.travel(datetime.datetime(2026, 4, 1, 9, 0), tick=False):
        guide = web(cat.user("town_agent")).get(f"/items/{item.pk}/").content.decode()
        assert "第 2 版" in guide and "即办件" in guide
        assert "第 1 版" in guide  # history: the old version stays readable
        old = web(cat.user("town_agent")).get(f"/items/{item.pk}/?on=2026-03-31").content.decode()
        assert "承诺 1 个工作日" in old


def test_form_errors_name_the_field(cat, web):
    admin = web(cat.user("catalog_admin"))
    page = admin.post(
        "/catalog/items/new/", item_form(cat, promised_days="9", basic_code="12")
    ).content.decode()
    assert "基本编码应为 12 位数字" in page and "承诺时限（9 个工作日）不得超过法定时限（3 个工作日）" in page
    assert not Item.objects.exists()


def test_roles_on_pages(cat, web, published):
    item = published()
    agent = web(cat.user("town_agent"))
    assert agent.get("/catalog/").status_code == 200
    assert agent.get("/catalog/items/new/").status_code == 403
    assert agent.get(f"/catalog/adjustments/new/?item={item.pk}").status_code == 403
    assert "新建事项" not in agent.get("/catalog/").content.decode()
    nav = web(cat.user("catalog_admin")).get("/staff/").content.decode()
    assert "事项目录" in nav and "在用政务服务事项" in nav


def test_listing_page(cat, web, published):
    item = published()
    town_admin = web(cat.user("town_admin"))
    assert town_admin.get(f"/catalog/listings/{cat.town2.pk}/").status_code == 404  # outside their scope
    page = town_admin.get(f"/catalog/listings/{cat.town.pk}/?q=食品").content.decode()
    assert "食品经营许可（新办）" in page
    town_admin.post(
        f"/catalog/listings/{cat.town.pk}/", {"item": item.pk, "offers_help": "on", "offers_agency": "on"}
    )
    entry = ListingEntry.objects.get()
    assert entry.offers_help and entry.offers_agency
    town_admin.post(f"/catalog/listings/{cat.station.pk}/", {"item": item.pk, "offers_agency": "on"})
    assert ListingEntry.objects.count() == 1  # 代办 not allowed at stations for this item
    town_admin.post(f"/catalog/listings/{cat.town.pk}/", {"item": item.pk})
    assert not ListingEntry.objects.exists()


def test_public_search_guide_and_bundles_without_login(cat, client, published):
    food = published()
    pension = published(
        name="城乡居民基本养老保险参保登记",
        item_type="20",
        public_domain="social_insurance",
        basic_code="000620001000",
        main_basic_code="",
        main_item_name="",
        tags=["insurance"],
        statutory_days=None,
        promised_days=0,
        is_immediate=True,
    )
    services.bundle_create(by=None, name="我要开餐馆", audience="enterprise", items=[food, pension])
    page = client.get("/items/?q=养老").content.decode()
    assert "城乡居民基本养老保险参保登记" in page and "食品经营许可（新办）" not in page
    assert "食品经营许可（新办）" in client.get(f"/items/?q={CREDIT}4000105003001").content.decode()
    assert "养老" in client.get(f"/items/?department={cat.department.pk}&tag=insurance").content.decode()
    assert "食品经营许可（新办）" in client.get("/items/?audience=enterprise").content.decode()
    guide = client.get(f"/items/{food.pk}/").content.decode()
    assert (
        "《中华人民共和国食品安全法》" in guide
        and "法定代表人授权委托书" in guide
        and "一次性告知书" in guide
    )
    assert client.get("/items/bundles/").status_code == 200
    bundle_page = client.get(f"/items/bundles/{food.bundles.get().pk}/").content.decode()
    assert "食品经营许可（新办）" in bundle_page and "城乡居民基本养老保险参保登记" in bundle_page
    draft = services.item_create(
        by=cat.user("catalog_admin"), data={**selectors_item(cat), "basic_code": "000199999000"}
    )
    assert client.get(f"/items/{draft.pk}/").status_code == 404  # drafts are not public


def selectors_item(cat):
    from bangban.catalog.tests.conftest import item_data

    return item_data(cat, main_basic_code="", main_item_name="")


def test_notice_pdf_has_text_and_embedded_font(cat, client, published):
    item = published()
    response = client.get(f"/items/{item.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for fragment in (
        "一次性告知书",
        "食品经营许可（新办）",
        "食品经营许可申请书",
        "营业执照",
        "法定 10 个工作日",
        "承诺 5 个工作日",
        "不收费",
        "《中华人民共和国食品安全法》",
        "第三十五条",
        "虎丘区政务服务中心",
    ):
        assert fragment in text, fragment
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descendants = [
        d.get_object()["/FontDescriptor"].get_object()
        for f in fonts.values()
        for d in f.get_object().get("/DescendantFonts", [])
    ]
    descriptors = [
        f.get_object()["/FontDescriptor"].get_object()
        for f in fonts.values()
        if "/FontDescriptor" in f.get_object()
    ]
    assert [d for d in descriptors + descendants if "/FontFile2" in d], "the Chinese font must be embedded"
    assert reader.metadata.title == "一次性告知书：食品经营许可（新办）"
    assert client.get(f"/items/{item.pk}/notice.pdf?on=2024-06-01").status_code == 404  # not yet in force


def test_name_report_page(cat, web, published):
    from bangban.org.services import department_create

    published()
    dept = department_create(
        by=None, institution=cat.town, name="镇市场监管分局", credit_code="91110000600037341L"
    )
    published(department=dept, level="5", name="食品经营许可-新办")
    page = web(cat.user("supervisor")).get("/catalog/name-report/").content.decode()
    assert "000105003001" in page and "食品经营许可-新办" in page
    assert "名称不一致" in web(cat.user("supervisor")).get("/catalog/").content.decode()
    assert selectors.name_inconsistencies(on=datetime.date(2026, 3, 2))


def test_every_staff_page_renders(cat, web, published):
    item = published()
    other = published(name="食品经营许可（变更）", basic_code="000105003002")
    services.bundle_create(by=None, name="我要开餐馆", audience="enterprise", items=[item, other])
    adjustment = services.adjustment_create(
        by=cat.user("catalog_admin"),
        kind="suspend",
        trigger="other",
        justification="系统升级",
        effective_on=datetime.date(2026, 4, 1),
        items=[item],
    )
    admin = web(cat.user("catalog_admin2"))
    for url in (
        "/catalog/",
        "/catalog/?q=食品&status=active&type=01&tag=operating_permit",
        f"/catalog/versions/{item.versions.get().pk}/",
        "/catalog/adjustments/?status=draft",
        f"/catalog/adjustments/{adjustment.pk}/",
        f"/catalog/adjustments/{adjustment.pk}/?all=1",
        f"/catalog/adjustments/{adjustment.pk}/edit/",
        "/catalog/adjustments/new/?kind=new",
        f"/catalog/adjustments/new/?kind=merge&item={item.pk}",
        "/catalog/listings/",
        "/catalog/bundles/",
        "/catalog/bundles/new/",
        f"/catalog/bundles/{item.bundles.get().pk}/edit/",
        "/catalog/imports/",
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert "style=" not in response.content.decode()  # CSP: no inline styles
    export = admin.get("/catalog/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert admin.get("/catalog/template.xlsx").status_code == 200


def test_material_attachments_are_uploaded_served_and_kept_by_new_versions(
    cat, web, published, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    item = services.item_create(by=cat.user("catalog_admin"), data=selectors_item(cat))
    draft = item.versions.get()
    admin = web(cat.user("catalog_admin"))
    form = item_form(
        cat,
        name="食品经营许可（新办）",
        basic_code="000105003001",
        main_basic_code="",
        main_item_name="",
        **management("legal", 1),
        **management("materials", 1),
        # a PDF by its content, whatever the name says: stored and served as .pdf
        **{"materials-0-blank_form": SimpleUploadedFile("申请书.docx", b"%PDF-1.4 blank form")},
    )
    assert admin.post(f"/catalog/versions/{draft.pk}/edit/", form).status_code == 302
    material = draft.materials.get()
    assert material.blank_form.name.endswith(".pdf")
    services.item_version_publish(by=None, version=draft)
    download = web(cat.user("town_agent")).get(f"/items/materials/{material.pk}/blank_form/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 blank form"
    adjustment = services.adjustment_create(
        by=cat.user("catalog_admin"),
        kind="change",
        trigger="other",
        justification="调整收费",
        effective_on=datetime.date(2026, 4, 1),
        items=[item],
        proposed=[{"promised_days": 1}],
    )
    assert adjustment.proposed_versions.get().materials.get().blank_form.name == material.blank_form.name
