"""An xlsx import by a 事项管理员 of rows for items already in force: one submitted 要素变更 request per
changed item (with the diff), unchanged rows reported, new items as before, bad rows refuse the file;
importing the same file again while the requests are pending creates nothing twice."""

import datetime

import pytest
import time_machine

from bangban.catalog import exchange, selectors, services
from bangban.catalog.models import Adjustment, ImportJob, Item, ItemVersion
from bangban.catalog.tasks import run_catalog_import
from bangban.catalog.tests.conftest import CREDIT
from bangban.catalog.tests.test_exchange import children, row
from bangban.core.errors import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


@pytest.fixture
def two_items(cat, published):
    food = published(fee_items=[{"name": "工本费", "amount": "10.00", "basis": "《某收费标准》"}])
    pension = published(
        name="城乡居民基本养老保险参保登记",
        item_type="20",
        public_domain="social_insurance",
        basic_code="000620001000",
        main_basic_code="",
        main_item_name="",
        tags=["insurance"],
        places=[{"institution": cat.town, "address": "通安镇便民服务中心 3 号窗口", "hours": "工作日"}],
    )
    return food, pension


def exported(item, **changes):
    """The item's version in force as workbook rows (like an export), with `changes` to its item row."""
    version = selectors.item_version_in_force(item=item, on=datetime.date(2026, 3, 2))
    item_row, materials, legal = exchange.version_rows(version)
    fees, places = exchange.guide_rows(version)
    item_row.update(changes)
    return item_row, materials, legal, fees, places


def workbook(*rows) -> bytes:
    parts = [[], [], [], [], []]
    for r in rows:
        for part, value in zip(parts, r, strict=True):
            part.extend(value if isinstance(value, list) else [value])
    return exchange.write_workbook(*parts[:3], fee_rows=parts[3], place_rows=parts[4])


def new_row(cat, basic="000105003009", **overrides):
    code = f"{CREDIT}4{basic}"
    m, lb = children(code)
    return row(cat, basic, **{"name": "食品经营许可（新办·试点）", **overrides}), m, lb, [], []


def statuses(rows) -> dict:
    return {r["name"]: r["status"] for r in rows}


def test_changed_unchanged_new_and_bad_rows_refuse_the_file_with_a_report_per_row(cat, two_items):
    food, pension = two_items
    data = workbook(
        exported(food, promised_days=3),
        exported(pension),
        new_row(cat),
        new_row(cat, "000105003010", name="坏行", promised_days="三天"),
    )
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=data, filename="changes.xlsx")
    rows = exc.value.rows
    assert [r["status"] for r in rows] == ["changed", "unchanged", "new", "error"]
    assert "承诺时限（工作日）" in rows[3]["message"]  # the reason names the column
    assert all(r["message"] == "未导入（文件有错误）" for r in rows[:3])
    # nothing written
    assert Adjustment.objects.count() == 0 and Item.objects.count() == 2
    assert not ItemVersion.objects.filter(state=ItemVersion.State.DRAFT).exists()


def test_changed_rows_become_one_change_request_each_and_reimport_creates_none_twice(cat, two_items, web):
    food, pension = two_items
    data = workbook(
        exported(food, promised_days=3, complaint_phone="0512-12345"),
        exported(pension),
        new_row(cat),
    )
    admin = cat.user("catalog_admin")
    result = services.catalog_import_xlsx(by=admin, data=data, filename="changes.xlsx")
    assert statuses(result.rows) == {
        "食品经营许可（新办）": "changed",
        "城乡居民基本养老保险参保登记": "unchanged",
        "食品经营许可（新办·试点）": "new",
    }
    assert result.created == 1 and result.changed == 1 and result.unchanged == 1
    assert result.adjustment.kind == Adjustment.Kind.IMPORT  # the new item, as before
    change = Adjustment.objects.get(kind=Adjustment.Kind.CHANGE)
    assert change.status == Adjustment.Status.SUBMITTED and list(change.items.all()) == [food]
    assert result.rows[0]["adjustment"] == change.pk
    # the diff shows what the row changed, and only that; fee items (the 收费项目 sheet) were kept
    (block,) = selectors.adjustment_diff(change)
    changed = {r["field"] for r in block["rows"] if r["changed"]}
    assert changed == {"promised_days", "complaint_phone"}
    draft = change.proposed_versions.get()
    assert [f.name for f in draft.fee_items.all()] == ["工本费"]
    page = web(cat.user("catalog_admin2")).get(f"/catalog/adjustments/{change.pk}/").content.decode()
    assert "承诺时限（工作日）" in page and "监督投诉电话" in page and "0512-12345" in page

    # the same file again, while both requests are pending: nothing new
    again = services.catalog_import_xlsx(by=admin, data=data, filename="changes.xlsx")
    assert statuses(again.rows) == statuses(result.rows)
    assert again.created == 0 and again.adjustment is None
    assert Adjustment.objects.count() == 2
    assert again.rows[0]["adjustment"] == change.pk and "未重复" in again.rows[0]["message"]
    assert again.rows[2]["adjustment"] == result.adjustment.pk

    # another 事项管理员 approves: the change takes effect, the unchanged item is untouched
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=change)
    later = selectors.item_version_in_force(item=food, on=change.effective_on)
    assert later.promised_days == 3 and later.number == 2
    assert pension.versions.count() == 1


def test_a_different_row_for_an_item_with_a_pending_request_is_an_error_naming_it(cat, two_items):
    food, _pension = two_items
    admin = cat.user("catalog_admin")
    services.catalog_import_xlsx(by=admin, data=workbook(exported(food, promised_days=3)), filename="a.xlsx")
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(
            by=admin, data=workbook(exported(food, promised_days=4)), filename="b.xlsx"
        )
    assert exc.value.errors[0]["column"] == "实施编码"
    assert "未办结" in exc.value.errors[0]["message"]
    assert Adjustment.objects.count() == 1


def test_the_import_job_keeps_the_row_report_for_its_page(cat, two_items, web):
    food, pension = two_items
    admin = cat.user("catalog_admin")
    job = ImportJob.objects.create(
        created_by=admin,
        filename="changes.xlsx",
        content=workbook(exported(food, promised_days=3), exported(pension)),
    )
    assert run_catalog_import(job.pk) == "done"
    job.refresh_from_db()
    assert [r["status"] for r in job.rows] == ["changed", "unchanged"]
    assert "1 个已有事项的要素有变化" in job.message and "1 个事项无变化" in job.message
    page = web(admin).get(f"/catalog/imports/{job.pk}/").content.decode()
    assert "要素变更" in page and f"/catalog/adjustments/{job.rows[0]['adjustment']}/" in page
    assert "无变化" in page
