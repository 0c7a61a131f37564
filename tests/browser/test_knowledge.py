"""The knowledge base in a browser: a citizen on a phone asks in everyday words (issue 11), and a
colleague publishes what an author wrote."""

import pytest
from playwright.sync_api import expect

from bangban.knowledge.models import Article
from bangban.knowledge.tests.factories import make_item, published
from tests.browser.conftest import shot
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_colloquial_question_on_a_phone_finds_the_item_and_the_answer(org, page_at):
    item = make_item(org, "社会保障卡申领", 501)
    article = published(
        org, "社会保障卡怎么申领？", "携带居民身份证到便民服务中心社保窗口申领，当场制卡。", items=[item]
    )
    page = page_at(width=390, height=844, mobile=True)
    page.goto(page.base + "/knowledge/")
    page.get_by_label("您想办什么事？").fill("办社保卡")
    page.keyboard.press("Enter")  # no script needed: a plain GET form
    results = page.locator("ol.pub-results")  # the portal shell's result list
    assert results.locator("mark").first.inner_text() in ("社会保障卡", "社保卡")
    assert results.get_by_role("link", name="社会保障卡申领").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "knowledge-search-phone")
    results.get_by_role("link", name=article.title).click()
    expect(page.locator("main")).to_contain_text("当场制卡")
    page.get_by_role("link", name="社会保障卡申领").click()
    assert page.url.endswith(f"/items/{item.pk}/")


def test_an_author_submits_and_another_person_publishes(org, page_at, password):
    page = page_at()
    login(page, "catalog_admin", password)
    page.goto(page.base + "/knowledge/manage/new/")
    page.get_by_label("标题或问题").fill("公积金怎么提取")
    page.get_by_label("正文或答复").fill("带身份证和提取证明到公积金窗口办理。")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="提交审核").click()
    assert page.get_by_role("button", name="审核发布").count() == 0
    article = Article.objects.get()
    reviewer = page_at()
    login(reviewer, "county_admin", password)
    reviewer.goto(reviewer.base + f"/knowledge/manage/{article.pk}/")
    reviewer.get_by_role("button", name="审核发布").click()
    article.refresh_from_db()
    assert article.status == "published" and article.reviewed_by.username == "county_admin"


@pytest.mark.one_database("sqlite")  # rendered pages: the database cannot change axe's result
def test_axe_finds_no_violation_on_the_knowledge_pages(org, browser, live_server, password):
    from tests.browser.test_accessibility import AXE, describe, run_axe, small_text

    if not AXE.exists():
        pytest.skip("axe-core not installed (npm ci)")
    item = make_item(org, "社会保障卡申领", 502)
    article = published(org, "社会保障卡怎么申领？", "携带居民身份证到社保窗口申领。", items=[item])
    context = browser.new_context(locale="zh-CN", bypass_csp=True, viewport={"width": 390, "height": 844})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.base = live_server.url
    problems = []
    public = ["/knowledge/", "/knowledge/?q=办社保卡", "/knowledge/?q=火星", f"/knowledge/{article.pk}/"]
    for path in public:
        page.goto(live_server.url + path)
        found = run_axe(page) + small_text(page)
        if found:
            problems.append(f"{path}\n{describe(found)}")
    login(page, "catalog_admin", password)
    staff = [
        "/knowledge/manage/",
        "/knowledge/manage/new/",
        "/knowledge/manage/import/",
        f"/knowledge/manage/{article.pk}/",
    ]
    for path in staff:
        page.goto(live_server.url + path)
        found = run_axe(page) + small_text(page)
        if found:
            problems.append(f"{path}\n{describe(found)}")
    context.close()
    assert not problems, "\n".join(problems)
