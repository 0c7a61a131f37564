"""Pages: the public search and article (no login), staff management, the case page's panel."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangban.core.testing import PASSWORD
from bangban.knowledge.models import Article
from bangban.knowledge.tests.factories import draft, make_item, published, workbook

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_public_search_page_works_without_login_or_javascript(client, corpus):
    r = client.get(reverse("knowledge:search"), {"q": "老人怎么办身份证"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "<mark>" in html and "老年人" in html
    assert reverse("knowledge:article", args=[corpus["id_elderly"].pk]) in html
    first, second = (reverse("knowledge:article", args=[corpus[k].pk]) for k in ("id_elderly", "id_renew"))
    assert html.index(f'"{first}"') < html.index(f'"{second}"')
    empty = client.get(reverse("knowledge:search"), {"q": "火星移民"}).content.decode()
    assert "没有找到" in empty
    assert client.get(reverse("knowledge:search"), {"q": "社保", "page": "x"}).status_code == 200


def test_public_article_page_shows_published_articles_only(client, org):
    a = published(org, "<i>居住证</i>签注", "每年一次")
    r = client.get(reverse("knowledge:article", args=[a.pk]))
    assert r.status_code == 200 and "&lt;i&gt;居住证" in r.content.decode()
    d = draft(org, "草稿", "内容")
    assert client.get(reverse("knowledge:article", args=[d.pk])).status_code == 404


def test_staff_write_submit_and_a_colleague_publishes(client, org):
    login(client, org.user("catalog_admin"))
    r = client.post(
        reverse("knowledge:create"),
        {"kind": "qa", "title": "公积金提取", "body": "带身份证", "source": "own"},
    )
    a = Article.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("knowledge:manage_detail", args=[a.pk])
    client.post(reverse("knowledge:action", args=[a.pk, "submit"]), {"version": a.version})
    page = client.get(reverse("knowledge:manage_detail", args=[a.pk])).content.decode()
    assert "需由另一位工作人员审核发布" in page and "审核发布</button>" not in page
    client.post(reverse("knowledge:action", args=[a.pk, "publish"]))
    a.refresh_from_db()
    assert a.status == "submitted"
    client.logout()
    login(client, org.user("county_admin"))
    client.post(reverse("knowledge:action", args=[a.pk, "publish"]))
    a.refresh_from_db()
    assert a.status == "published"
    assert (
        "公积金提取" in client.get(reverse("knowledge:manage_list"), {"status": "published"}).content.decode()
    )


def test_bad_form_input_names_the_field_and_saves_nothing(client, org):
    login(client, org.user("catalog_admin"))
    r = client.post(
        reverse("knowledge:create"), {"kind": "qa", "title": "t" * 201, "body": "", "source": "own"}
    )
    html = r.content.decode()
    assert r.status_code == 200 and "标题或问题" in html and "正文或答复" in html
    r = client.post(
        reverse("knowledge:create"),
        {"kind": "qa", "title": "t", "body": "b", "source": "own", "items": "NOPE"},
    )
    assert "事项实施编码不存在：NOPE" in r.content.decode()
    assert Article.objects.count() == 0


def test_staff_pages_are_scoped_and_need_the_capability(client, org):
    county = draft(org, "县级问答", "内容")
    login(client, org.user("town_admin"))
    assert client.get(reverse("knowledge:manage_detail", args=[county.pk])).status_code == 404
    assert client.post(reverse("knowledge:action", args=[county.pk, "submit"])).status_code == 404
    assert client.get(reverse("knowledge:edit", args=[county.pk])).status_code == 404
    client.logout()
    login(client, org.user("town_agent"))
    assert client.get(reverse("knowledge:manage_list")).status_code == 403
    client.logout()
    assert client.get(reverse("knowledge:manage_list")).status_code == 302  # to the login page


def test_import_page_shows_the_row_report(client, org):
    login(client, org.user("catalog_admin"))
    data = workbook(
        [["社保卡怎么办？", "带身份证。", "社保", "12345"], ["无答复", "", "", ""]],
        ("问题", "答复", "分类", "来源"),
    )
    r = client.post(reverse("knowledge:import"), {"file": SimpleUploadedFile("e.xlsx", data)})
    html = r.content.decode()
    assert "新增 1 条" in html and "第 3 行：「答复」为空" in html
    r = client.post(reverse("knowledge:import"), {"file": SimpleUploadedFile("e.txt", b"x")})
    assert ".xlsx" in r.content.decode()


def test_case_page_panel_suggests_articles_for_the_cases_items(corpus, kb_items):
    from types import SimpleNamespace

    from django.template import Context, Template

    version = kb_items["sbk"].versions.get()
    case_items = [SimpleNamespace(item_version_id=version.pk)]
    html = Template("{% load knowledge %}{% knowledge_panel items %}").render(Context({"items": case_items}))
    assert "相关知识" in html and corpus["sbk_apply"].title in html
    assert (
        Template("{% load knowledge %}{% knowledge_panel items %}").render(Context({"items": []})).strip()
        == ""
    )


def test_the_case_page_shows_the_panel_for_its_item(org, web):
    from bangban.cases import services as case_services
    from bangban.catalog.models import ListingEntry

    item = make_item(org, "个体工商户设立登记", 401)
    ListingEntry.objects.create(institution=org.town, item=item, offers_help=True, offers_agency=True)
    article = published(org, "个体工商户开业要带什么", "身份证和经营场所证明", items=[item])
    published(org, "居住证签注", "每年一次")  # about another item: not suggested
    case = case_services.case_create(
        by=org.user("town_agent"),
        kind="help",
        mode="assist",
        items=[item],
        applicant_type="person",
        applicant_name="李大爷",
        id_number="11010519491231002X",
        phone="13812345678",
    )
    page = web(org.user("town_agent")).get(f"/cases/{case.pk}/").content.decode()
    assert "相关知识" in page and article.title in page and "居住证签注" not in page
