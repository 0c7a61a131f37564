"""The catalog in a real browser: a 事项管理员 creates an item and submits its first publication,
another approves it and raises an adjustment, the first approves that (four eyes both ways); the
public finds the item and its 一次性告知书 on a phone."""

import datetime

import pytest
from playwright.sync_api import expect

from bangban.accounts.roles import Role
from bangban.catalog import services
from bangban.catalog.tests.conftest import item_data
from bangban.core.testing import make_user
from tests.browser.conftest import shot
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.get_by_role("button", name="退出").click()
    page.get_by_role("heading", name="工作人员登录").wait_for()


def test_create_publish_adjust_and_approve_by_another(org, page_at, password):
    make_user("catalog_admin2", org.county, [Role.CATALOG_ADMIN])
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    page = page_at()
    login(page, "catalog_admin", password)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="事项目录").click()
    page.get_by_role("link", name="新建事项").click()

    page.get_by_label("事项名称").fill("个体工商户设立登记")
    page.get_by_label("事项类型").select_option("01")
    page.locator("#id_basic_code").fill("000105001001")
    page.get_by_label("主管部门").fill("市场监督管理部门")
    page.get_by_label("实施机关（进驻部门）").select_option(label="区市场监督管理局（虎丘区政务服务中心）")
    for box in (
        "#id_handling_tiers_0",
        "#id_handling_tiers_1",
        "#id_help_tiers_0",
        "#id_help_tiers_1",
        "#id_help_tiers_2",
    ):
        page.locator(box).check()
    page.locator("#id_agency_tiers_0").check()
    page.get_by_label("法定时限（工作日）").fill("3")
    page.get_by_label("承诺时限（工作日）").fill("1")
    page.locator("#id_channels_0").check()
    page.locator("#id_legal-0-rank").select_option("2")
    page.locator("#id_legal-0-title").fill("《促进个体工商户发展条例》")
    page.locator("#id_legal-0-article").fill("第二条")
    page.locator("#id_materials-0-name").fill("个体工商户登记（备案）申请书")
    shot(page, "catalog-create-1366")
    page.get_by_role("button", name="保存草稿").click()
    assert "已保存草稿" in page.locator(".messages").inner_text()

    page.get_by_role("link", name="提交发布审核").click()
    page.get_by_label("生效日期").fill(today.isoformat())
    page.get_by_label("调整原因").select_option("reform")
    page.get_by_role("button", name="提交审核").click()
    assert "已提交发布审核" in page.locator(".messages").inner_text()
    expect(page.locator("main")).to_contain_text("须由另一位事项管理员审核")
    assert page.get_by_role("button", name="批准").count() == 0
    logout(page)

    login(page, "catalog_admin2", password)
    page.get_by_role("link", name="待我审核的事项调整").click()
    page.get_by_role("link", name="调整申请 #").first.click()
    page.get_by_label("审核意见").fill("同意发布")
    page.get_by_role("button", name="批准").click()
    assert "已批准" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="个体工商户设立登记").first.click()
    assert f"{today:%Y-%m-%d} 施行中" in page.locator(".timeline").inner_text()

    page.get_by_label("调整类型").select_option("change")
    page.get_by_role("button", name="发起事项调整").click()
    page.get_by_label("调整原因").select_option("reform")
    page.get_by_label("调整说明").fill("落实“高效办成一件事”，改为当场办结")
    page.get_by_label("生效日期").fill(tomorrow.isoformat())
    page.get_by_role("button", name="创建调整申请").click()
    page.get_by_role("link", name="编辑拟调整的要素").click()
    page.get_by_label("即办件（当场办结）").check()
    page.get_by_label("承诺时限（工作日）").fill("0")
    page.get_by_role("button", name="保存草稿").click()
    diff = page.locator("table.diff").inner_text()
    assert "承诺件" in diff and "即办件" in diff
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("main")).to_contain_text("须由另一位事项管理员审核")
    assert page.get_by_role("button", name="批准").count() == 0
    shot(page, "catalog-adjustment-submitted")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    logout(page)

    login(page, "catalog_admin", password)
    page.get_by_role("link", name="待我审核的事项调整").click()
    page.get_by_role("link", name="调整申请 #").first.click()
    page.get_by_label("审核意见").fill("同意")
    page.get_by_role("button", name="批准").click()
    assert "已批准" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="个体工商户设立登记").first.click()
    timeline = page.locator(".timeline").inner_text()
    assert "第 2 版" in timeline and "待生效" in timeline and f"至 {today:%Y-%m-%d} 止" in timeline
    page.get_by_label("查看某日施行的版本").fill(tomorrow.isoformat())
    page.get_by_role("button", name="查看").click()
    assert "第 2 版" in page.get_by_role("heading", level=2).filter(has_text="施行的要素").inner_text()
    shot(page, "catalog-item-two-versions")


def test_public_search_guide_and_notice_on_a_phone(org, page_at):
    item = services.item_create(by=None, data=item_data(org))
    services.item_version_publish(by=None, version=item.versions.get(), valid_from=datetime.date(2025, 1, 1))
    page = page_at(width=390, height=844, mobile=True)
    page.goto(page.base + "/items/")
    page.get_by_label("事项名称、编码或部门").fill("食品经营")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="食品经营许可（新办）").click()
    assert "一次性告知书" in page.get_by_role("link", name="打印一次性告知书（PDF）").inner_text()
    expect(page.locator("main")).to_contain_text("《中华人民共和国食品安全法》")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "catalog-guide-phone")
    href = page.get_by_role("link", name="打印一次性告知书（PDF）").get_attribute("href")
    response = page.request.get(page.base + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"


def test_an_imported_workbook_is_published_only_by_another_admin(org, page_at, password, tmp_path):
    from bangban.catalog.models import ItemVersion
    from bangban.catalog.tests.test_import_review import workbook

    make_user("catalog_admin2", org.county, [Role.CATALOG_ADMIN])
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(workbook(org))
    page = page_at()
    login(page, "catalog_admin", password)
    page.goto(page.base + "/catalog/imports/")
    page.get_by_label("事项目录工作簿（.xlsx）").set_input_files(str(path))
    page.get_by_role("button", name="上传并导入").click()
    progress = page.locator("#import-progress")
    progress.get_by_text("尚未发布").wait_for()
    assert "须由另一位事项管理员批准后一并发布" in progress.inner_text()
    progress.get_by_role("link", name="调整申请 #").click()
    # the click starts a navigation: read the page through expect, which waits for the new one
    expect(page.locator("main")).to_contain_text("批量导入 3 个新事项")
    expect(page.locator("main")).to_contain_text("须由另一位事项管理员审核")
    assert page.get_by_role("button", name="批准").count() == 0
    shot(page, "catalog-import-batch-submitted")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert not ItemVersion.objects.filter(state="published").exists()
    logout(page)

    login(page, "catalog_admin2", password)
    page.get_by_role("link", name="待我审核的事项调整").click()
    page.get_by_role("link", name="调整申请 #").first.click()
    page.get_by_label("审核意见").fill("已逐项核对")
    page.get_by_role("button", name="批准").click()
    assert "已批准" in page.locator(".messages").inner_text()
    assert ItemVersion.objects.filter(state="published").count() == 3
