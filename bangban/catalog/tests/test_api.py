"""Catalog API: the same flow as the pages, the error format, public reads and the downloads."""

import datetime
import io

import pytest
import time_machine
from pypdf import PdfReader

from bangban.catalog import exchange
from bangban.catalog.models import Adjustment, ImportJob, Item, ListingEntry
from bangban.catalog.tests.conftest import CREDIT
from bangban.core.downloads import XLSX

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


def elements(cat, **overrides):
    data = {
        "name": "建筑工程施工许可证核发",
        "item_type": "01",
        "basic_code": "000107001000",
        "competent_department": "住房和城乡建设部门",
        "department": cat.department.pk,
        "level": "4",
        "handling_tiers": [1],
        "help_tiers": [1, 2],
        "agency_tiers": [1, 2],
        "statutory_days": 7,
        "promised_days": 3,
        "is_immediate": False,
        "channels": ["window", "online"],
        "tags": ["construction"],
        "legal_bases": [
            {
                "rank": 1,
                "title": "《中华人民共和国建筑法》",
                "article": "第七条",
                "text": "建筑工程开工前，建设单位应当……申请领取施工许可证",
            },
            {"rank": 4, "title": "《建筑工程施工许可管理办法》"},
        ],
        "materials": [
            {"name": "建筑工程施工许可申请表"},
            {"name": "施工合同", "kind": "copy"},
            {"name": "授权委托书", "required": False, "condition": "委托办理的"},
        ],
    }
    data.update(overrides)
    return data


def test_create_publish_adjust_approve_through_the_api(cat, api):
    admin, reviewer = api(cat.user("catalog_admin")), api(cat.user("catalog_admin2"))
    created = admin.post("/api/v1/catalog/items/", elements(cat), format="json")
    assert created.status_code == 201, created.json()
    item_id = created.json()["id"]
    assert (
        created.json()["implementation_code"] == f"{CREDIT}4000107001000"
        and created.json()["status"] == "draft"
    )
    assert created.json()["version"] is None  # a draft is not in force
    draft_id = admin.get(f"/api/v1/catalog/items/{item_id}/versions/").json()[0]["id"]
    patched = admin.patch(f"/api/v1/catalog/versions/{draft_id}/", {"promised_days": 2}, format="json")
    assert patched.status_code == 200 and patched.json()["promised_days"] == 2
    assert [b["rank"] for b in patched.json()["legal_bases"]] == [1, 4]
    assert admin.post(f"/api/v1/catalog/versions/{draft_id}/publish/", {}, format="json").status_code == 404
    publication = admin.post(
        f"/api/v1/catalog/versions/{draft_id}/submit/", {"effective_on": "2026-03-02"}, format="json"
    )
    assert publication.status_code == 201, publication.json()
    assert (publication.json()["kind"], publication.json()["status"]) == ("new", "submitted")
    assert publication.json()["proposed_versions"] == [draft_id]
    pk = publication.json()["id"]
    own = admin.post(f"/api/v1/catalog/adjustments/{pk}/approve/", {}, format="json")
    assert own.status_code == 400 and own.json()["code"] == "same_person"
    assert reviewer.post(f"/api/v1/catalog/adjustments/{pk}/approve/", {}, format="json").status_code == 200
    published = admin.get(f"/api/v1/catalog/versions/{draft_id}/").json()
    assert (published["state"], published["number"], published["valid_from"]) == (
        "published",
        1,
        "2026-03-02",
    )

    adjustment = admin.post(
        "/api/v1/catalog/adjustments/",
        {
            "kind": "change",
            "trigger": "law_amended",
            "justification": "《建筑法》修改",
            "effective_on": "2026-04-01",
            "items": [item_id],
            "proposed": [{"promised_days": 1}],
            "submit": True,
        },
        format="json",
    )
    assert adjustment.status_code == 201, adjustment.json()
    body = adjustment.json()
    assert body["status"] == "submitted"
    assert body["diff"][0]["rows"] == [
        {
            "field": "promised_days",
            "label": "承诺时限（工作日）",
            "changed": True,
            "before": "2 个工作日",
            "after": "1 个工作日",
        }
    ]
    own = admin.post(f"/api/v1/catalog/adjustments/{body['id']}/approve/", {}, format="json")
    assert own.status_code == 400 and own.json()["code"] == "same_person"
    approved = reviewer.post(
        f"/api/v1/catalog/adjustments/{body['id']}/approve/", {"note": "同意"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    before = admin.get(f"/api/v1/catalog/items/{item_id}/?on=2026-03-31").json()["version"]
    after = admin.get(f"/api/v1/catalog/items/{item_id}/?on=2026-04-01").json()["version"]
    assert (before["number"], before["promised_days"], before["valid_to"]) == (1, 2, "2026-03-31")
    assert (after["number"], after["promised_days"], after["valid_from"]) == (2, 1, "2026-04-01")
    assert admin.get(f"/api/v1/catalog/items/{item_id}/").json()["version"]["number"] == 1  # today
    versions = api().get(f"/api/v1/catalog/items/{item_id}/versions/").json()
    assert [v["number"] for v in versions] == [1, 2]


def test_errors_use_the_common_format(cat, api):
    admin = api(cat.user("catalog_admin"))
    response = admin.post(
        "/api/v1/catalog/items/", elements(cat, promised_days=9, basic_code="0001"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] and body["message"]
    fields = {e["field"] for e in body["errors"]}
    assert {"promised_days", "basic_code"} <= fields
    assert all(set(e) >= {"field", "code", "message"} for e in body["errors"])
    bad_type = admin.post("/api/v1/catalog/items/", elements(cat, item_type="99"), format="json")
    assert bad_type.status_code == 400 and bad_type.json()["errors"][0]["field"] == "item_type"
    assert not Item.objects.exists()
    agent = api(cat.user("town_agent")).post("/api/v1/catalog/items/", elements(cat), format="json")
    assert agent.status_code == 403 and agent.json()["code"] == "capability_required"
    anonymous = api().post("/api/v1/catalog/items/", elements(cat), format="json")
    assert anonymous.status_code in (401, 403)


def test_public_reads_search_and_notice(cat, api, published):
    item = published()
    anonymous = api()
    listing = anonymous.get("/api/v1/catalog/items/?q=食品&audience=enterprise")
    assert listing.status_code == 200
    assert [r["name"] for r in listing.json()["results"]] == ["食品经营许可（新办）"]
    assert anonymous.get("/api/v1/catalog/items/?q=养老").json()["count"] == 0
    assert anonymous.get("/api/v1/catalog/items/?on=2024-01-01").json()["count"] == 0
    assert anonymous.get("/api/v1/catalog/items/?on=yesterday").json()["code"] == "invalid"
    detail = anonymous.get(f"/api/v1/catalog/items/{item.pk}/").json()
    assert detail["version"]["materials"][1]["condition"] == "委托他人办理的"
    assert detail["version"]["case_kind"] == "2"
    pdf = anonymous.get(f"/api/v1/catalog/items/{item.pk}/notice/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "食品经营许可申请书" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert anonymous.get("/api/v1/catalog/name-conflicts/").json() == []
    assert anonymous.get("/api/v1/catalog/adjustments/").status_code in (401, 403)
    draft = Item.objects.create(
        name="草稿", basic_code="1" * 12, implementation_code="X" * 31, department=cat.department
    )
    assert anonymous.get(f"/api/v1/catalog/items/{draft.pk}/").status_code == 404


def test_listing_and_offered_items(cat, api, published):
    item = published()
    town_admin = api(cat.user("town_admin"))
    ok = town_admin.post(
        "/api/v1/catalog/listings/",
        {"institution": cat.town.pk, "item": item.pk, "offers_help": True, "offers_agency": True},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["offers_agency"] is True
    station = town_admin.post(
        "/api/v1/catalog/listings/",
        {"institution": cat.station.pk, "item": item.pk, "offers_agency": True},
        format="json",
    )
    assert station.status_code == 400 and station.json()["errors"][0]["field"] == "offers_agency"
    other = town_admin.post(
        "/api/v1/catalog/listings/", {"institution": cat.town2.pk, "item": item.pk}, format="json"
    )
    assert other.status_code == 404
    entries = api().get(f"/api/v1/catalog/listings/?institution={cat.town.pk}").json()["results"]
    assert [e["item_name"] for e in entries] == ["食品经营许可（新办）"]
    offered = (
        api(cat.user("town_agent"))
        .get(f"/api/v1/catalog/offered/?institution={cat.town.pk}&mode=agency")
        .json()
    )
    assert [v["item"] for v in offered] == [item.pk]
    assert (
        api(cat.user("town_agent")).get(f"/api/v1/catalog/offered/?institution={cat.county.pk}").status_code
        == 404
    )
    entry = ListingEntry.objects.get()
    assert town_admin.delete(f"/api/v1/catalog/listings/{entry.pk}/").status_code == 204
    assert not ListingEntry.objects.exists()


def test_bundles_api(cat, api, published):
    a = published()
    b = published(name="食品经营许可（变更）", basic_code="000105003002")
    admin = api(cat.user("catalog_admin"))
    created = admin.post(
        "/api/v1/catalog/bundles/",
        {"name": "我要开餐馆", "audience": "enterprise", "items": [a.pk, b.pk]},
        format="json",
    )
    assert created.status_code == 201 and created.json()["items"] == [a.pk, b.pk]
    assert api().get("/api/v1/catalog/bundles/").json()["results"][0]["name"] == "我要开餐馆"
    bad = admin.post(
        "/api/v1/catalog/bundles/", {"name": "单独", "audience": "citizen", "items": [a.pk]}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "items"


def test_adjustment_return_and_withdraw(cat, api, published):
    item = published()
    admin, reviewer = api(cat.user("catalog_admin")), api(cat.user("catalog_admin2"))
    body = admin.post(
        "/api/v1/catalog/adjustments/",
        {
            "kind": "suspend",
            "trigger": "other",
            "justification": "系统切换",
            "effective_on": "2026-03-10",
            "items": [item.pk],
        },
        format="json",
    ).json()
    assert body["status"] == "draft"
    assert admin.post(f"/api/v1/catalog/adjustments/{body['id']}/submit/").json()["status"] == "submitted"
    no_note = reviewer.post(f"/api/v1/catalog/adjustments/{body['id']}/return/", {}, format="json")
    assert no_note.status_code == 400 and no_note.json()["errors"][0]["field"] == "note"
    returned = reviewer.post(
        f"/api/v1/catalog/adjustments/{body['id']}/return/", {"note": "日期有误"}, format="json"
    )
    assert returned.json()["status"] == "returned" and returned.json()["review_note"] == "日期有误"
    patched = admin.patch(
        f"/api/v1/catalog/adjustments/{body['id']}/",
        {"trigger": "other", "justification": "系统切换", "effective_on": "2026-03-20"},
        format="json",
    )
    assert patched.json()["effective_on"] == "2026-03-20"
    assert admin.post(f"/api/v1/catalog/adjustments/{body['id']}/withdraw/").json()["status"] == "withdrawn"
    assert [
        a["status"] for a in admin.get("/api/v1/catalog/adjustments/?status=withdrawn").json()["results"]
    ] == ["withdrawn"]
    assert Adjustment.objects.get().status == "withdrawn"


def test_import_export_template(cat, api, published, django_capture_on_commit_callbacks):
    published()
    admin = api(cat.user("catalog_admin"))
    export = admin.get("/api/v1/catalog/export/?on=2026-03-02")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert admin.get("/api/v1/catalog/template/").status_code == 200
    upload = io.BytesIO(exchange.template_workbook())
    upload.name = "t.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    job = admin.get(f"/api/v1/catalog/imports/{response.json()['id']}/").json()
    # the template's example is the item already published, with other elements: a change request
    assert job["status"] == "done" and [r["status"] for r in job["rows"]] == ["changed"]
    assert Adjustment.objects.get(pk=job["rows"][0]["adjustment"]).kind == Adjustment.Kind.CHANGE
    assert ImportJob.objects.count() == 1
    assert (
        api(cat.user("town_agent"))
        .post("/api/v1/catalog/imports/", {"file": upload}, format="multipart")
        .status_code
        == 403
    )


def test_schema_documents_the_catalog(cat, api):
    schema = api(cat.user("catalog_admin")).get("/api/v1/schema/").content.decode()
    for path in (
        "/api/v1/catalog/items/",
        "/api/v1/catalog/items/{id}/notice/",
        "/api/v1/catalog/versions/{id}/submit/",
        "/api/v1/catalog/adjustments/{id}/approve/",
        "/api/v1/catalog/listings/",
        "/api/v1/catalog/offered/",
        "/api/v1/catalog/imports/",
        "/api/v1/catalog/export/",
    ):
        assert path in schema, path


@pytest.mark.parametrize(
    "kind, field, before, after",
    [("suspend", "is_suspended", "否", "是"), ("cancel", "name", "食品经营许可（新办）", "")],
)
def test_adjustment_detail_shows_the_diff_the_page_shows(
    cat, api, web, published, kind, field, before, after
):
    item = published()
    admin = api(cat.user("catalog_admin"))
    body = admin.post(
        "/api/v1/catalog/adjustments/",
        {
            "kind": kind,
            "trigger": "other",
            "justification": "系统切换",
            "effective_on": "2026-03-10",
            "items": [item.pk],
        },
        format="json",
    ).json()
    detail = admin.get(f"/api/v1/catalog/adjustments/{body['id']}/").json()
    [block] = detail["diff"]
    assert (block["item"], block["version"], block["title"]) == (item.pk, None, item.name)
    assert block["based_on"] == item.versions.get().pk
    rows = {r["field"]: r for r in block["rows"]}
    assert (rows[field]["before"], rows[field]["after"]) == (before, after)
    page = web(cat.user("catalog_admin")).get(f"/catalog/adjustments/{body['id']}/").content.decode()
    assert page.count('<tr class="changed">') == len(block["rows"]) > 0  # the same rows, page and API
    for r in block["rows"]:
        assert f'<tr class="changed"><th scope="row">{r["label"]}</th>' in page


def test_patch_of_an_adjustment_is_partial(cat, api, published):
    item = published()
    admin = api(cat.user("catalog_admin"))
    body = admin.post(
        "/api/v1/catalog/adjustments/",
        {
            "kind": "suspend",
            "trigger": "other",
            "justification": "系统切换",
            "effective_on": "2026-03-10",
            "items": [item.pk],
        },
        format="json",
    ).json()
    url = f"/api/v1/catalog/adjustments/{body['id']}/"
    patched = admin.patch(url, {"effective_on": "2026-03-20"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["effective_on"], patched.json()["justification"], patched.json()["trigger"]) == (
        "2026-03-20",
        "系统切换",
        "other",
    )
    patched = admin.patch(url, {"justification": "机房搬迁"}, format="json")
    assert patched.status_code == 200 and patched.json()["justification"] == "机房搬迁"
    assert patched.json()["effective_on"] == "2026-03-20"
    bad = admin.patch(url, {"effective_on": "2026-03-01"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "effective_on"
    assert Adjustment.objects.get().effective_on == datetime.date(2026, 3, 20)


def test_legal_bases_out_of_rank_order_are_refused_not_resorted(cat, api):
    admin = api(cat.user("catalog_admin"))
    good = elements(cat)["legal_bases"]
    response = admin.post(
        "/api/v1/catalog/items/", elements(cat, legal_bases=list(reversed(good))), format="json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "legal_bases" and error["code"] == "rank_order"
    assert "设定依据须按位阶从高到低排列" in error["message"] and "第 2 条" in error["message"]
    assert not Item.objects.exists()
    created = admin.post("/api/v1/catalog/items/", elements(cat), format="json")
    assert created.status_code == 201
    draft = admin.get(f"/api/v1/catalog/items/{created.json()['id']}/versions/").json()[0]
    assert [b["rank"] for b in draft["legal_bases"]] == [1, 4]
    patch = admin.patch(
        f"/api/v1/catalog/versions/{draft['id']}/",
        {"legal_bases": [{"rank": 6, "title": "《通知》"}, {"rank": 2, "title": "《条例》"}]},
        format="json",
    )
    assert patch.status_code == 400 and patch.json()["errors"][0]["code"] == "rank_order"
    schema = admin.get("/api/v1/schema/").content.decode()
    assert "rank_order" in schema


def test_downloads_answer_a_client_asking_for_the_type_they_serve(cat, api, published):
    item = published()
    admin, anonymous = api(cat.user("catalog_admin")), api()
    pdf = anonymous.get(f"/api/v1/catalog/items/{item.pk}/notice/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    for url in ("/api/v1/catalog/export/", "/api/v1/catalog/template/"):
        for accept in (XLSX, "application/*", f"{XLSX}, application/json;q=0.5", "*/*"):
            response = admin.get(url, HTTP_ACCEPT=accept)
            assert response.status_code == 200, (url, accept)
            assert response["Content-Type"] == XLSX and response.content.startswith(b"PK")
    # a type the endpoint does not serve is still refused, and errors stay JSON
    assert (
        anonymous.get(f"/api/v1/catalog/items/{item.pk}/notice/", HTTP_ACCEPT="text/csv").status_code == 406
    )
    missing = anonymous.get(
        f"/api/v1/catalog/items/{item.pk}/notice/?on=2020-01-01", HTTP_ACCEPT="application/pdf"
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_places_and_department_outside_the_scope_are_refused_like_missing_ones(cat, api):
    """A 事项管理员 names only institutions and departments in their scope; an id elsewhere gets the
    same answer as an id that does not exist, and nothing is written."""
    from bangban.org.services import department_create

    other = cat.other_county
    elsewhere = department_create(by=None, institution=other, name="吴中区市场监督管理局")
    admin = api(cat.user("catalog_admin"))
    place = {"address": "中心 3 号窗口", "hours": "工作日 9:00-17:00"}
    before = Item.objects.count()
    answers = {}
    for label, data in {
        "place elsewhere": elements(cat, places=[{**place, "institution": other.pk}]),
        "place missing": elements(cat, places=[{**place, "institution": 999999}]),
        "department elsewhere": elements(cat, department=elsewhere.pk),
        "department missing": elements(cat, department=999999),
    }.items():
        response = admin.post("/api/v1/catalog/items/", data, format="json")
        assert response.status_code == 400, (label, response.json())
        error = response.json()["errors"][0]
        answers[label] = (error["field"], error["code"], error["message"])
        assert "不存在或不在您的数据范围内" in error["message"], (label, error)
    assert answers["place elsewhere"] == answers["place missing"]
    assert answers["department elsewhere"] == answers["department missing"]
    assert Item.objects.count() == before
    inside = admin.post(
        "/api/v1/catalog/items/", elements(cat, places=[{**place, "institution": cat.town.pk}]), format="json"
    )
    assert inside.status_code == 201, inside.json()
