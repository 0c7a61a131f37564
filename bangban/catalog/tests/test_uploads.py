"""Hostile workbooks: every one is refused with a Chinese message naming the limit, in bounded
memory and linear time, before anything is written; exports never carry formulas."""

import datetime
import io
import struct
import tracemalloc
import zipfile

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone
from openpyxl import load_workbook

from bangban.audit.models import AuditEvent
from bangban.catalog import exchange, services
from bangban.catalog.models import ImportJob, Item, ItemVersion, LegalBasis
from bangban.catalog.tests.test_exchange import book, children, row
from bangban.catalog.xlsx import Limits, WorkbookError, read_workbook
from bangban.core.errors import ServiceError

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


def good_book(cat) -> bytes:
    m, lb = children(row(cat)["implementation_code"])
    return book([row(cat)], m, lb)


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part replaced (written honestly: true sizes in the zip directory)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info))
    return out.getvalue()


def with_bomb(data: bytes, name="xl/worksheets/sheet1.xml", size=200 * 1024 * 1024) -> bytes:
    """`name` replaced by `size` bytes of zeros (deflated to ~0.1 % of that), streamed in."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    block = b"0" * (1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == name:
                with target.open(name, "w", force_zip64=False) as f:
                    for _ in range(size // len(block)):
                        f.write(block)
            else:
                target.writestr(info.filename, source.read(info))
    return out.getvalue()


def lie_about_size(data: bytes, name: str, claimed: int) -> bytes:
    """The zip with `name`'s uncompressed size in the central directory replaced by `claimed`."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo(name)
    raw = bytearray(data)
    offset = 0
    while True:
        offset = raw.find(b"PK\x01\x02", offset)
        name_len = struct.unpack_from("<H", raw, offset + 28)[0]
        if raw[offset + 46 : offset + 46 + name_len].decode() == info.filename:
            break
        offset += 4
    struct.pack_into("<I", raw, offset + 24, claimed)
    return bytes(raw)


def sheet(body: str) -> bytes:
    return (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'.encode()
    )


def refused(data: bytes, limits: Limits | None = None) -> WorkbookError:
    with pytest.raises(WorkbookError) as exc:
        read_workbook(data, limits=limits or Limits())
    return exc.value


# ---- the container -----------------------------------------------------------------------------


def test_zip_bomb_is_refused_from_the_directory_without_decompressing(cat):
    bomb = with_bomb(good_book(cat))
    assert len(bomb) < 1024 * 1024  # a 1 MB upload that unpacks to 200 MB
    tracemalloc.start()
    try:
        error = refused(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code == "ratio_too_high" and "超过 100 倍的上限" in error.message
    assert peak < 20 * 1024 * 1024


def test_zip_bomb_that_lies_about_its_size_ends_in_an_error_not_in_memory(cat):
    bomb = lie_about_size(with_bomb(good_book(cat)), "xl/worksheets/sheet1.xml", 4000)
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/worksheets/sheet1.xml").file_size == 4000
    tracemalloc.start()
    try:
        error = refused(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code in ("corrupt", "malformed")
    assert peak < 20 * 1024 * 1024


def test_uncompressed_total_entries_and_encryption_are_bounded(cat):
    data = good_book(cat)
    assert refused(data, Limits(max_uncompressed=10_000)).code == "uncompressed_too_large"
    assert "解压后超过 10 KB 的上限" in refused(data, Limits(max_uncompressed=10_000)).message
    assert refused(data, Limits(max_bytes=1000)).code == "too_large"
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for i in range(1001):
            z.writestr(f"x/{i}", b"")
    error = refused(many.getvalue())
    assert error.code == "too_many_entries" and "1000 个的上限" in error.message
    encrypted = bytearray(data)
    offset = encrypted.find(b"PK\x01\x02")
    encrypted[offset + 8] |= 0x1  # the "encrypted" flag of the first entry in the directory
    assert refused(bytes(encrypted)).code == "encrypted"


# ---- the XML -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3_000, 300_000])
def test_unclosed_cells_are_refused_in_one_pass(cat, size):
    """Unclosed <c> tags were quadratic in the regex reader (100 KB unpacked: 3.7 s; the 300 KB
    case, a ~3 KB upload, about half a minute), then crashed its fallback with a ParseError.
    expat reads them once and says where the XML breaks."""
    unclosed = '<c r="A1">'
    body = '<row r="1">' + unclosed * (size // len(unclosed))
    xml = sheet(body)[: -len("</sheetData></worksheet>")]
    data = replace_part(good_book(cat), "xl/worksheets/sheet1.xml", xml)
    assert len(data) < 20_000  # the whole hostile upload: the template parts plus ~1 KB of sheet
    # with the per-row limit out of the way the XML error itself answers; the reader's own
    # deadline is the generous wall-clock guard (quadratic would take minutes at 300 KB)
    error = refused(data, Limits(max_cells_per_row=10**6, max_seconds=10))
    assert error.code == "malformed" and "XML 格式有误" in error.message and "工作表“事项”" in error.message
    # with the default limits the row's cell count stops it even earlier
    expected = "too_many_cells_in_row" if size > 256 * len(unclosed) else "malformed"
    assert refused(data).code == expected


def test_unclosed_tags_without_attributes(cat):
    data = replace_part(good_book(cat), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c>" * 1000)
    assert refused(data, Limits(max_seconds=10)).code in ("malformed", "too_many_cells_in_row")


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + f']><worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_entity_attacks_are_refused(cat, part, xml):
    data = replace_part(good_book(cat), part, xml.encode())
    error = refused(data)
    assert error.code == "dtd_forbidden" and "DTD" in error.message


def test_rows_cells_and_time_are_bounded(cat):
    m, lb = children(row(cat)["implementation_code"], 3)
    data = book([row(cat)], m, lb)
    assert read_workbook(data, limits=Limits())  # within the defaults
    error = refused(data, Limits(max_rows=5))
    assert error.code == "too_many_rows" and "5 行的上限" in error.message
    error = refused(data, Limits(max_cells_per_row=10))
    assert error.code == "too_many_cells_in_row" and "工作表“事项”第 1 行" in error.message
    error = refused(data, Limits(max_cells=40))
    assert error.code == "too_many_cells" and "40 个的上限" in error.message
    error = refused(data, Limits(max_seconds=-1))
    assert error.code == "too_slow" and "时限" in error.message


def test_bad_references_are_refused_not_crashed(cat):
    base = good_book(cat)
    for body, text in (
        ('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', "共享字符串编号无效"),
        ('<row r="99999999999"><c r="A1"><v>1</v></c></row>', "行号"),
        ('<row r="1"><c r="1"><v>1</v></c></row>', "单元格引用"),
    ):
        error = refused(replace_part(base, "xl/worksheets/sheet1.xml", sheet(body)))
        assert error.code == "malformed" and text in error.message, body


def test_the_import_service_names_the_file_field_and_writes_nothing(cat):
    bomb = with_bomb(good_book(cat))
    with pytest.raises(ServiceError) as exc:
        services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=bomb, filename="bomb.xlsx")
    assert exc.value.code == "ratio_too_high" and exc.value.field == "file"
    assert exc.value.message.startswith("事项目录工作簿：") and "未导入任何事项" in exc.value.message
    assert exc.value.errors[0]["field"] == "file"
    assert not Item.objects.exists() and not AuditEvent.objects.filter(action__startswith="catalog.").exists()


# ---- the upload: page and API ------------------------------------------------------------------


def upload(data: bytes, name="catalog.xlsx"):
    f = io.BytesIO(data)
    f.name = name
    return f


def test_api_refuses_a_zip_bomb_with_400_before_storing_it(cat, api, django_capture_on_commit_callbacks):
    bomb = with_bomb(good_book(cat))
    tracemalloc.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = api(cat.user("catalog_admin")).post(
                "/api/v1/catalog/imports/", {"file": upload(bomb)}, format="multipart"
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "file"
    assert "事项目录工作簿" in body["errors"][0]["message"] and "100 倍的上限" in body["errors"][0]["message"]
    assert not ImportJob.objects.exists() and not Item.objects.exists()
    assert peak < 50 * 1024 * 1024


def test_api_upload_has_a_size_limit(cat, api, settings):
    settings.BANGBAN_UPLOAD_MAX_BYTES = 100 * 1024
    big = upload(good_book(cat) + b"\0" * 200 * 1024)
    response = api(cat.user("catalog_admin")).post(
        "/api/v1/catalog/imports/", {"file": big}, format="multipart"
    )
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "事项目录工作簿超过 100 KB 的上限" in message and response.json()["errors"][0]["field"] == "file"
    assert not ImportJob.objects.exists()


def test_request_body_beyond_the_limit_is_refused_unread(cat, api, settings):
    settings.BANGBAN_UPLOAD_MAX_REQUEST_BYTES = 50 * 1024
    response = api(cat.user("catalog_admin")).post(
        "/api/v1/catalog/imports/", {"file": upload(b"x" * 100 * 1024)}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large" and "50 KB 的上限" in response.json()["message"]
    assert not ImportJob.objects.exists()


def test_api_refuses_other_extensions(cat, api):
    response = api(cat.user("catalog_admin")).post(
        "/api/v1/catalog/imports/", {"file": upload(good_book(cat), "catalog.xls")}, format="multipart"
    )
    assert response.status_code == 400 and ".xlsx" in response.json()["errors"][0]["message"]


def test_page_shows_the_limit_as_a_form_error(cat, web, settings, django_capture_on_commit_callbacks):
    client = web(cat.user("catalog_admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/catalog/imports/", {"file": upload(with_bomb(good_book(cat)))})
    assert response.status_code == 200
    page = response.content.decode()
    assert "事项目录工作簿：文件解压后的大小是压缩大小的" in page and "100 倍的上限" in page
    settings.BANGBAN_UPLOAD_MAX_BYTES = 100 * 1024
    response = client.post("/catalog/imports/", {"file": upload(b"PK" + b"\0" * 300 * 1024)})
    assert (
        response.status_code == 200
        and "事项目录工作簿超过 100 KB 的上限（本文件 300 KB）" in response.content.decode()
    )
    assert not ImportJob.objects.exists() and not Item.objects.exists()


def test_hostile_sheet_fails_its_job_with_the_reason(cat, api, django_capture_on_commit_callbacks):
    hostile = replace_part(
        good_book(cat), "xl/worksheets/sheet1.xml", b'<worksheet><sheetData><row r="1">' + b'<c r="A1">' * 300
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cat.user("catalog_admin")).post(
            "/api/v1/catalog/imports/", {"file": upload(hostile)}, format="multipart"
        )
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["field"] == "file" and job.message.startswith("事项目录工作簿：")
    assert "256 个的上限" in job.message or "XML 格式有误" in job.message
    assert not Item.objects.exists()


# ---- time limits -------------------------------------------------------------------------------


def test_every_task_has_a_soft_and_a_hard_time_limit():
    from bangban.celery import app

    app.loader.import_default_modules()
    tasks = {name: t for name, t in app.tasks.items() if name.startswith("bangban.")}
    assert "bangban.catalog.tasks.run_catalog_import" in tasks
    for name, task in tasks.items():
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard, name


def test_import_stopped_at_the_soft_time_limit_is_recorded_and_rolled_back(cat, monkeypatch):
    from bangban.catalog.tasks import run_catalog_import

    real_insert = exchange._Inserter.insert

    def insert(self, model, rows, *, with_id):
        if model is LegalBasis:  # items and versions are already inserted by now
            raise SoftTimeLimitExceeded()
        return real_insert(self, model, rows, with_id=with_id)

    monkeypatch.setattr(exchange._Inserter, "insert", insert)
    job = ImportJob.objects.create(
        created_by=cat.user("catalog_admin"), filename="a.xlsx", content=good_book(cat)
    )
    assert run_catalog_import(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.errors[0]["code"] == "time_limit"
    assert "时限" in job.message and "未导入任何事项" in job.message
    assert not Item.objects.exists() and not ItemVersion.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="catalog.").exists()


def test_a_job_left_running_by_a_killed_worker_is_failed_when_delivered_again(cat):
    from bangban.catalog.tasks import run_catalog_import

    job = ImportJob.objects.create(
        created_by=cat.user("catalog_admin"),
        filename="a.xlsx",
        content=good_book(cat),
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert run_catalog_import(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "时限" in job.message
    fresh = ImportJob.objects.create(
        created_by=cat.user("catalog_admin"),
        filename="b.xlsx",
        content=good_book(cat),
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(seconds=60),  # still within its time
    )
    assert run_catalog_import(fresh.pk) == "skipped"


# ---- export ------------------------------------------------------------------------------------

FORMULAS = {
    "conditions": '=HYPERLINK("http://evil.example/","点击")',
    "procedure": "+1+cmd|' /C calc'!A0",
    "location": "-2+3",
    "fee_basis": "@SUM(1+1)",
    "result_name": "\t=1+1",
}


def test_export_writes_formula_like_text_as_text_and_round_trips(cat, published):
    first = published(**FORMULAS, charges_fee=True, fee_amount="1.00")
    before = ItemVersion.objects.get(item=first)
    stored = {key: getattr(before, key) for key in FORMULAS}
    assert all(v[0] in "=+-@\t" for v in stored.values()), stored
    data = services.catalog_export_xlsx(by=cat.user("supervisor"), on=datetime.date(2026, 3, 2))
    ws = load_workbook(io.BytesIO(data))["事项"]
    headers = {c.value.rstrip("*"): c.column_letter for c in ws[1]}
    columns = {c.key: c.header for c in exchange.ITEM_COLUMNS}
    for key, text in stored.items():
        cell = ws[f"{headers[columns[key]]}2"]
        assert cell.data_type == "s" and cell.value == text and cell.quotePrefix, key
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)
    # our own import reads back exactly what was exported
    Item.objects.all().delete()
    services.catalog_import_xlsx(by=cat.user("catalog_admin"), data=data, filename="export.xlsx")
    after = ItemVersion.objects.get()
    assert {key: getattr(after, key) for key in FORMULAS} == stored


# ---- every other upload gets the same bounds ---------------------------------------------------


def test_material_attachments_are_bounded_like_every_upload(cat, web, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bangban.catalog.tests.test_pages import item_form, management, selectors_item

    settings.MEDIA_ROOT = tmp_path
    settings.BANGBAN_UPLOAD_MAX_BYTES = 100 * 1024
    item = services.item_create(by=cat.user("catalog_admin"), data=selectors_item(cat))
    draft = item.versions.get()
    form = item_form(
        cat,
        name="食品经营许可（新办）",
        basic_code="000105003001",
        main_basic_code="",
        main_item_name="",
        **management("legal", 1),
        **management("materials", 1),
        **{"materials-0-blank_form": SimpleUploadedFile("申请书.docx", b"PK" * 100 * 1024)},
    )
    response = web(cat.user("catalog_admin")).post(f"/catalog/versions/{draft.pk}/edit/", form)
    assert response.status_code == 200
    assert "空白表格超过 100 KB 的上限（本文件 200 KB）" in response.content.decode()
    assert not draft.materials.exclude(blank_form="").exists() and not any(tmp_path.rglob("*.docx"))


def test_page_request_body_beyond_the_limit_is_a_400_not_a_500(cat, web, settings):
    settings.BANGBAN_UPLOAD_MAX_REQUEST_BYTES = 50 * 1024
    response = web(cat.user("catalog_admin")).post("/catalog/imports/", {"file": upload(b"x" * 100 * 1024)})
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_empty_upload_is_refused_by_name(cat, api):
    response = api(cat.user("catalog_admin")).post(
        "/api/v1/catalog/imports/", {"file": upload(b"")}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file"


def test_api_json_bodies_are_bounded_like_form_bodies(cat, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024
    client = api(cat.user("catalog_admin"))
    response = client.post("/api/v1/catalog/imports/", {"file": "x" * 20 * 1024}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "request_too_large"
    assert "10 KB 的上限" in response.json()["message"]
    response = client.post("/api/v1/catalog/bundles/", {"name": "x" * 20 * 1024}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "request_too_large"


def test_damaged_files_are_refused_never_crash(cat):
    """Bytes flipped anywhere in a good workbook: the reader answers or refuses, nothing else."""
    import random

    data = good_book(cat)
    rng = random.Random(8)
    codes = set()
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            read_workbook(bytes(damaged), limits=Limits())
        except WorkbookError as exc:
            codes.add(exc.code)
            assert exc.message and not exc.message.isascii()
    assert codes  # some of them were refused
    for cut in range(0, len(data), max(1, len(data) // 50)):
        try:
            read_workbook(data[:cut], limits=Limits())
        except WorkbookError:
            pass
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    for _ in range(200):
        damaged = bytearray(sheet_xml)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.choice(b'<>/"=&;:rtcv0123456789 \x00\xff')
        try:
            read_workbook(replace_part(data, "xl/worksheets/sheet1.xml", bytes(damaged)), limits=Limits())
        except WorkbookError as exc:
            codes.add(exc.code)
    assert "malformed" in codes


def test_api_answers_djangos_own_body_limits_in_json(cat, api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = {f"f{i}": upload(b"x", f"{i}.xlsx") for i in range(4)}
    response = api(cat.user("catalog_admin")).post("/api/v1/catalog/imports/", files, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_files" and "3 个的上限" in response.json()["message"]
