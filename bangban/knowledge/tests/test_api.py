"""The API: public throttled search, staff CRUD and actions, scoped and validated."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bangban.knowledge.models import Article
from bangban.knowledge.tests.factories import draft, workbook

pytestmark = pytest.mark.django_db
SEARCH = "/api/v1/knowledge/search"
ARTICLES = "/api/v1/knowledge/articles/"


def test_search_is_public_ranked_and_highlighted(api, corpus, kb_items):
    r = api().get(SEARCH, {"q": "老人怎么办身份证"})
    assert r.status_code == 200
    body = r.json()
    assert body["results"][0]["id"] == corpus["id_elderly"].pk
    assert body["results"][0]["kind"] == "article"
    assert "<mark>" in body["results"][0]["title_html"]
    assert "居民身份证" in body["words"]
    items = api().get(SEARCH, {"q": "办社保卡"}).json()["results"]
    assert {"kind": "item", "id": kb_items["sbk"].pk} in [{"kind": h["kind"], "id": h["id"]} for h in items]


def test_search_pages_and_bad_parameters(api, corpus):
    one = api().get(SEARCH, {"q": "身份证", "page_size": 1}).json()
    two = api().get(SEARCH, {"q": "身份证", "page_size": 1, "page": 2}).json()
    assert one["has_next"] and one["results"][0]["id"] != two["results"][0]["id"]
    for params, label in [
        ({"q": "x" * 101}, "检索词"),
        ({"q": "a", "page": 0}, "页码"),
        ({"page_size": "many"}, "每页条数"),
    ]:
        r = api().get(SEARCH, params)
        assert r.status_code == 400 and label in r.json()["message"]
    assert api().get(SEARCH).json()["results"] == []


def test_search_is_throttled(api, settings):
    settings.BANGBAN_KNOWLEDGE_SEARCH_RATE = "3/min"
    client = api()
    codes = [client.get(SEARCH, {"q": "社保"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_staff_create_submit_and_publish_by_another_person(api, org, kb_items):
    author, reviewer = api(org.user("catalog_admin")), api(org.user("county_admin"))
    r = author.post(
        ARTICLES,
        {"title": "社保卡补办", "body": "带身份证", "items": [kb_items["sbk"].pk], "tags": "社保"},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "draft" and r.json()["items"] == [kb_items["sbk"].pk]
    assert author.post(f"{ARTICLES}{pk}/submit/", {}, format="json").json()["status"] == "submitted"
    refused = author.post(f"{ARTICLES}{pk}/publish/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "four_eyes"
    r = reviewer.post(f"{ARTICLES}{pk}/publish/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["reviewed_by_name"] == org.user("county_admin").display_name
    assert api().get(SEARCH, {"q": "社保卡补办"}).json()["results"][0]["id"] == pk


def test_bad_input_is_a_chinese_400_and_nothing_is_saved(api, org):
    client = api(org.user("catalog_admin"))
    for data, label in [
        ({"title": "", "body": "b"}, "标题或问题"),
        ({"title": "t" * 201, "body": "b"}, "标题或问题"),
        ({"title": "t", "body": "b", "items": [999999]}, "相关事项"),
        ({"title": "t", "body": "b", "items": ["x"]}, "相关事项"),
        ({"title": "t", "body": "b", "valid_to": "明天"}, "有效期至"),
        ({"title": "t", "body": "b", "valid_from": "2026-02-01", "valid_to": "2026-01-01"}, "有效期至"),
    ]:
        r = client.post(ARTICLES, data, format="json")
        assert r.status_code == 400, data
        assert label in r.json()["message"], r.json()
    assert Article.objects.count() == 0


def test_scope_refusals_reveal_nothing(api, org):
    county = draft(org, "县级问答", "内容")
    r = api(org.user("town_admin")).get(f"{ARTICLES}{county.pk}/")
    assert r.status_code == 404
    assert (
        api(org.user("other_admin")).post(f"{ARTICLES}{county.pk}/submit/", {}, format="json").status_code
        == 404
    )
    assert api(org.user("town_agent")).get(f"{ARTICLES}{county.pk}/").status_code == 404
    assert api(org.user("town_agent")).get(ARTICLES).json()["results"] == []
    assert api().get(ARTICLES).status_code in (401, 403)
    assert [a["id"] for a in api(org.user("county_admin")).get(ARTICLES).json()["results"]] == [county.pk]


def test_patch_updates_a_draft_and_refuses_a_stale_version(api, org):
    a = draft(org, "问题", "答复")
    client = api(org.user("catalog_admin"))
    r = client.patch(f"{ARTICLES}{a.pk}/", {"title": "问题", "body": "新答复", "version": 1}, format="json")
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.patch(f"{ARTICLES}{a.pk}/", {"title": "问题", "body": "旧", "version": 1}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "stale"


def test_import_through_the_api(api, org):
    data = workbook(
        [["社保卡怎么办？", "带身份证。", "社保", "12345"], ["", "无问题", "", ""]],
        ("问题", "答复", "分类", "来源"),
    )
    upload = SimpleUploadedFile("export.xlsx", data, content_type="application/octet-stream")
    r = api(org.user("catalog_admin")).post(f"{ARTICLES}import/", {"file": upload}, format="multipart")
    assert r.status_code == 200, r.content
    assert [row["outcome"] for row in r.json()["rows"]] == ["created", "error"]
    bad = SimpleUploadedFile("x.xlsx", b"nope")
    r = api(org.user("catalog_admin")).post(f"{ARTICLES}import/", {"file": bad}, format="multipart")
    assert r.status_code == 400 and "文件" in r.json()["message"]
    r = api(org.user("town_agent")).post(f"{ARTICLES}import/", {"file": bad}, format="multipart")
    assert r.status_code == 403
