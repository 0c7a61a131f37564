"""xlsx template, import (all-or-nothing with a report of every bad cell), export and the round trip."""

import datetime
import io
import re
import zipfile

import pytest
import time_machine
from openpyxl import Workbook, load_workbook

from bangban.audit.models import AuditEvent
from bangban.catalog import elements, exchange, selectors, services
from bangban.catalog.models import ImportJob, Item, ItemVersion
from bangban.catalog.tests.conftest import CREDIT
from bangban.catalog.xlsx import read_workbook
from bangban.core.errors import AccessRefused, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


def row(cat, basic="000105003001", **overrides):
    code = f"{CREDIT}4{basic}"
    values = {
        "implementation_code": code,
        "name": "食品经营许可（新办）",
        "item_type": "01 行政许可",
        "basic_code": basic,
        "competent_department": "市场监督管理部门",
        "department": cat.department.name,
        "level": "4",
        "handling_tiers": "政务服务中心、便民服务中心",
        "help_tiers": "1、2、3",
        "agency_tiers": "政务服务中心",
        "statutory_days": 10,
        "promised_days": 5,
        "is_immediate": "承诺件",
        "charges_fee": "否",
        "channels": "窗口、网上",
        "enterprise_tags": "准营准办",
        "valid_from": "2026-01-01",
    }
    values.update(overrides)
    return values


def children(code, n_materials=1):
    materials = [
        {
            "implementation_code": code,
            "name": f"材料{i}",
            "kind": "原件",
            "copies": 1,
            "required": "必要",
            "source": "申请人自备",
        }
        for i in range(n_materials)
    ]
    legal = [
        {
            "implementation_code": code,
            "rank": "法律",
            "title": "《中华人民共和国食品安全法》",
            "article": "第三十五条",
        }
    ]
    return materials, legal


def book(item_rows, material_rows, legal_rows) -> bytes:
    return exchange.write_workbook(item_rows, material_rows, legal_rows)


def test_template_has_the_columns_an_example_and_imports(cat):
    data = exchange.template_workbook()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["事项", "申请材料", "设定依据", "收费项目", "办理地点", "填写说明", "代码表"]
    headers = [c.value for c in next(wb["事项"].iter_rows(max_row=1))]
    assert "实施编码*" in headers and "生效日期" in headers
    guide = [r for r in wb["填写说明"].iter_rows(values_only=True)]
    assert any(len(r) > 3 and r[1] == "实施编码" and "31 位" in (r[3] or "") for r in guide)
    lookup = [r for r in wb["代码表"].iter_rows(values_only=True)]
    assert ("实施机关", CREDIT, cat.department.name, cat.county.name) in lookup
    result = services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=data, filename="template.xlsx")
    assert result.created == 1 and result.materials == 2 and result.legal_bases == 1
    # the example is a complete 办事指南 (its place from the 办理地点 sheet)
    draft = result.adjustment.proposed_versions.get()
    assert draft.guide_complete and draft.places.count() == 1 and elements.guide_missing(draft) == []


def test_good_workbook_is_imported_and_published_once_approved(cat):
    rows = [
        row(cat),
        row(
            cat,
            "000620001000",
            name="城乡居民基本养老保险参保登记",
            item_type="公共服务",
            public_domain="社会保险",
            statutory_days="",
            promised_days=0,
            is_immediate="即办件",
            enterprise_tags="",
            citizen_tags="社会保险、养老",
        ),
    ]
    m1, l1 = children(rows[0]["implementation_code"], 2)
    m2, l2 = children(rows[1]["implementation_code"])
    result = services.catalog_import_xlsx(
        by=cat.user("catalog_admin"), data=book(rows, m1 + m2, l1 + l2), filename="a.xlsx"
    )
    assert (result.created, result.materials, result.legal_bases) == (2, 3, 2)
    assert result.adjustment.kind == "import" and result.adjustment.status == "submitted"
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=result.adjustment)
    pension = ItemVersion.objects.get(basic_code="000620001000")
    assert (
        pension.state == "published"
        and pension.number == 1
        and pension.valid_from == datetime.date(2026, 1, 1)
    )
    assert (
        pension.is_immediate
        and pension.statutory_days is None
        and pension.public_domain == "social_insurance"
    )
    assert pension.tag_codes == ["insurance", "elderly_care"] and pension.handling_tiers == "12"
    assert Item.objects.get(pk=pension.item_id).status == Item.Status.ACTIVE
    assert selectors.item_version_in_force(item=pension.item, on=datetime.date(2026, 3, 2)) == pension
    assert AuditEvent.objects.filter(action="catalog.item.import").count() == 2
    summary = AuditEvent.objects.get(action="catalog.import")
    assert "a.xlsx" in summary.note and summary.actor == cat.user("catalog_admin")


def test_bad_workbook_is_refused_whole_with_every_bad_cell(cat):
    good = row(cat)
    rows = [
        good,
        row(cat, "000105003002", name=""),  # 3: missing name
        row(cat, "000105003003", basic_code="12345"),  # 4: bad basic code (and so the code no longer matches)
        row(
            cat, "000105003004", implementation_code="91350100M000100Y44" + "4000105003004"
        ),  # 5: bad check char
        row(cat, "000105003005", department="区火星局"),  # 6: unknown department
        row(cat, "000105003006", promised_days=15),  # 7: promise over statute
        row(cat, implementation_code=good["implementation_code"]),  # 8: duplicate of row 2
        row(cat, "000105003008", valid_from="下周一", item_type="99"),  # 9: bad date and type
    ]
    materials, legal = [], []
    for r in rows:
        m, lb = children(r["implementation_code"])
        materials += m
        legal += lb
    materials.append(
        {
            "implementation_code": f"{CREDIT}4999999999999",
            "name": "孤儿材料",
            "kind": "原件",
            "copies": 1,
            "required": "必要",
            "source": "申请人自备",
        }
    )
    materials.append(
        {
            "implementation_code": good["implementation_code"],
            "name": "委托书",
            "kind": "原件",
            "copies": 0,
            "required": "按情形",
            "source": "申请人自备",
        }
    )
    legal.append(
        {"implementation_code": good["implementation_code"], "rank": "红头文件", "title": "《某文件》"}
    )
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(
            by=cat.user("catalog_admin"), data=book(rows, materials, legal), filename="bad.xlsx"
        )
    assert exc.value.code == "import_invalid" and "未导入任何事项" in exc.value.message
    found = {(e["sheet"], e["row"], e["column"], e["code"]) for e in exc.value.errors}
    expected = {
        ("事项", 3, "事项名称", "required"),
        ("事项", 4, "基本编码", "invalid"),
        ("事项", 5, "实施编码", "invalid"),
        ("事项", 6, "实施机关", "unknown_department"),
        ("事项", 7, "承诺时限（工作日）", "promise_over_statute"),
        ("事项", 8, "实施编码", "duplicate_code"),
        ("事项", 9, "生效日期", "invalid"),
        ("事项", 9, "事项类型", "invalid"),
        ("申请材料", 10, "实施编码", "unknown_item"),
        ("申请材料", 11, "份数", "invalid"),
        ("申请材料", 11, "适用情形", "required"),
        ("设定依据", 10, "位阶", "invalid"),
    }
    assert expected <= found, expected - found
    messages = {e["message"] for e in exc.value.errors}
    assert any(m.startswith("事项第 5 行“实施编码”：") and "校验位错误（GB 32100）" in m for m in messages)
    assert any("承诺时限（15 个工作日）不得超过法定时限（10 个工作日）" in m for m in messages)
    # nothing written: no item, no version, no audit row
    assert not Item.objects.exists() and not ItemVersion.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="catalog.").exists()


def test_structural_problems(cat):
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=b"not a zip", filename="x.xlsx")
    assert exc.value.errors[0]["code"] == "invalid_file"
    wb = Workbook()
    wb.active.title = "事项"
    wb["事项"].append(["事项名称"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=out.getvalue())
    assert {e["code"] for e in exc.value.errors} == {"missing_sheet"}
    items_only = book([row(cat)], [], [])
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=items_only)
    assert {e["code"] for e in exc.value.errors} == {"missing_materials", "missing_legal_bases"}
    with pytest.raises(AccessRefused):
        services.catalog_import_xlsx(by=cat.user("town_agent"), data=items_only)


def test_platform_import_refuses_codes_already_in_the_catalog(cat, published):
    """The platform (by=None) publishes directly, so it never changes an item in force: refused.
    (A person's import of a changed row becomes a change request: test_import_changes.)"""
    published()
    m, lb = children(row(cat)["implementation_code"])
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(by=None, data=book([row(cat)], m, lb))
    assert (
        exc.value.errors[0]["code"] == "duplicate_code" and "已在事项目录中" in exc.value.errors[0]["message"]
    )


def test_export_then_import_round_trip(cat, published):
    first = published()
    published(
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
        charges_fee=True,
        fee_amount="12.50",
        fee_basis="《某收费标准》",
        channels=["window", "online", "mail"],
        conditions="年满16周岁。\n不含在校学生。",
        location="户籍所在地便民服务中心",
    )
    on = datetime.date(2026, 3, 2)
    before = {v.implementation_code: elements.display(v) for v in selectors.versions_in_force(on=on)}
    data = services.catalog_export_xlsx(by=cat.user("supervisor"), on=on)
    assert AuditEvent.objects.filter(action="catalog.export", actor=cat.user("supervisor")).exists()
    Item.objects.filter(pk__in=[first.pk, *Item.objects.values_list("pk", flat=True)]).delete()
    assert not ItemVersion.objects.exists()
    result = services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=data, filename="export.xlsx")
    assert result.created == 2
    services.adjustment_approve(by=cat.user("catalog_admin2"), adjustment=result.adjustment)
    after = {v.implementation_code: elements.display(v) for v in selectors.versions_in_force(on=on)}
    assert after == before


def _openpyxl_values(data: bytes) -> dict:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = []
        for r in ws.iter_rows():
            cells = {}
            for c in r:
                if c.value is None or c.value == "":
                    continue
                v = c.value
                cells[c.column_letter] = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
            if cells:
                rows.append((r[0].row, cells))
        out[ws.title] = rows
    return out


@pytest.mark.parametrize("write_only", [True, False])
def test_fast_reader_agrees_with_openpyxl(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("表") if write_only else wb.active
    if not write_only:
        ws.title = "表"
    ws.append(["编码", "名称", "数", "空", "布尔"])
    ws.append(["000105003001", "A&B <c> “引号”\n第二行", 12, "-", True])
    ws.append(["0", "  前后空格  ", 3.5, "", False])
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    ours = read_workbook(data)
    theirs = _openpyxl_values(data)
    theirs["表"] = [
        (n, {k: {"True": "TRUE", "False": "FALSE"}.get(v, v) for k, v in cells.items()})
        for n, cells in theirs["表"]
    ]
    assert ours == theirs
    # the general reader (cells without r="…") gives the same answer
    z = zipfile.ZipFile(io.BytesIO(data))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as target:
        for name in z.namelist():
            content = z.read(name)
            if name.startswith("xl/worksheets/"):
                content = re.sub(rb'<c r="[A-Z]+\d+"', b"<c", content)
            target.writestr(name, content)
    assert read_workbook(rebuilt.getvalue()) == ours


def test_import_job_runs_in_the_background_and_reports(cat, web, django_capture_on_commit_callbacks):
    client = web(cat.user("catalog_admin"))
    m, lb = children(row(cat)["implementation_code"])
    upload = io.BytesIO(book([row(cat)], m, lb))
    upload.name = "catalog.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/catalog/imports/", {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/catalog/imports/{job.pk}/"
    assert job.status == ImportJob.Status.DONE and job.created_count == 1 and job.percent == 100
    page = client.get(f"/catalog/imports/{job.pk}/").content.decode()
    assert job.adjustment.kind == "import" and job.adjustment.status == "submitted"
    assert "已导入 1 个事项草稿" in page and "尚未发布" in page and "hx-trigger" not in page  # polling stops
    assert f'href="/catalog/adjustments/{job.adjustment.pk}/"' in page

    bad = io.BytesIO(book([row(cat, "000105003009", promised_days=30)], *children(f"{CREDIT}4000105003009")))
    bad.name = "bad.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/catalog/imports/", {"file": bad})
    failed = ImportJob.objects.order_by("-pk").first()
    assert failed.status == ImportJob.Status.FAILED
    page = client.get(f"/catalog/imports/{failed.pk}/progress/").content.decode()
    assert "promise_over_statute" in page and "事项第 2 行“承诺时限（工作日）”" in page

    running = ImportJob.objects.create(
        created_by=cat.user("catalog_admin"),
        filename="big.xlsx",
        content=b"",
        status="running",
        total=200,
        done=50,
    )
    page = client.get(f"/catalog/imports/{running.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "50 / 200" in page and 'value="25"' in page
    # only catalog admins see import jobs
    assert web(cat.user("town_agent")).get(f"/catalog/imports/{job.pk}/").status_code == 403


def test_reader_reads_writers_that_prefix_the_main_namespace():
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws.append(["编码", "名称"])
    ws.append(["000105003001", "共享字符串"])
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    z = zipfile.ZipFile(io.BytesIO(data))
    prefixed = io.BytesIO()
    with zipfile.ZipFile(prefixed, "w") as target:
        for name in z.namelist():
            content = z.read(name)
            if name in ("xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
                content = re.sub(rb"<(/?)([A-Za-z]+)", rb"<\1x:\2", content).replace(b'xmlns="', b'xmlns:x="')
                assert b"<x:" in content
            target.writestr(name, content)
    assert (
        read_workbook(prefixed.getvalue())
        == read_workbook(data)
        == {"表": [(1, {"A": "编码", "B": "名称"}), (2, {"A": "000105003001", "B": "共享字符串"})]}
    )
