"""Search on fixed Chinese queries: the same results, in the same order, on SQLite and PostgreSQL."""

import datetime

import pytest

from bangban.knowledge import selectors, services
from bangban.knowledge.models import Article, Corpus, Term
from bangban.knowledge.tests.factories import draft, make_item, published

pytestmark = pytest.mark.django_db


def keys(result):
    return [(h.kind, h.id) for h in result.hits]


def test_colloquial_social_security_card_query_finds_card_articles_and_the_item(corpus, kb_items):
    result = selectors.search(q="办社保卡")
    top = keys(result)
    # Both card articles, through the synonym 社保卡/社会保障卡, and the item 社会保障卡申领.
    assert set(top[:3]) == {
        ("article", corpus["sbk_apply"].pk),
        ("article", corpus["sbk_lost"].pk),
        ("item", kb_items["sbk"].pk),
    }
    assert ("article", corpus["medical"].pk) not in top


def test_elderly_identity_card_query_ranks_the_elderly_article_first(corpus):
    result = selectors.search(q="老人怎么办身份证")
    assert result.hits[0].id == corpus["id_elderly"].pk
    assert ("article", corpus["id_renew"].pk) in keys(result)
    assert "居民身份证" in result.words and "老年人" in result.words


def test_fixed_queries_give_a_fixed_order(corpus, kb_items):
    """The expected order is written out: the same on both databases (ranking happens in Python)."""
    expected = {
        "个体工商户营业执照": [("article", corpus["business"].pk), ("item", kb_items["license"].pk)],
        "异地就医": [("article", corpus["medical"].pk)],
        "居住证": [("article", corpus["residence"].pk)],
        "新生儿上户口": [("article", corpus["hukou"].pk)],
    }
    for q, want in expected.items():
        assert keys(selectors.search(q=q))[: len(want)] == want, q


def test_scores_are_ordered_and_ties_break_by_kind_then_id(org):
    a = published(org, "医保报销", "医保报销")
    b = published(org, "医保报销", "医保报销")
    result = selectors.search(q="医保报销")
    assert [h.id for h in result.hits] == [a.pk, b.pk]
    assert result.hits[0].score == result.hits[1].score


def test_drafts_withdrawn_and_out_of_date_articles_are_not_found(org):
    draft(org, "低保申请条件", "家庭人均收入低于当地低保标准")
    withdrawn = published(org, "低保怎么申请", "向户籍所在地乡镇提出申请")
    services.article_withdraw(by=org.user("county_admin"), article=withdrawn)
    published(org, "低保标准", "每月标准", valid_to=datetime.date(2021, 12, 31))
    future = published(org, "低保新规", "明年起施行", valid_from=datetime.date(2099, 1, 1))
    assert selectors.search(q="低保").hits == []
    assert [h.id for h in selectors.search(q="低保", on=datetime.date(2099, 6, 1)).hits] == [future.pk]


def test_highlights_mark_matched_words_and_escape_the_rest(org):
    published(org, "<b>社保卡</b>怎么办", "带<script>alert(1)</script>身份证去社保窗口")
    hit = selectors.search(q="社保卡 身份证").hits[0]
    assert hit.title_html == "&lt;b&gt;<mark>社保卡</mark>&lt;/b&gt;怎么办"
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>身份证</mark>" in hit.snippet_html


def test_empty_and_punctuation_queries_find_nothing(corpus):
    assert selectors.search(q="").hits == []
    assert selectors.search(q="？？！！ ...").hits == []
    assert selectors.search(q="'\" OR 1=1 -- NEAR(").hits == []


def test_statistics_follow_publication_and_withdrawal(org):
    a = published(org, "公积金提取", "公积金提取")
    corpus = Corpus.objects.get(pk=1)
    assert corpus.documents == 1 and corpus.tokens == len(a.tokens.split())
    assert Term.objects.get(term="公积金").df == 1
    services.article_withdraw(by=org.user("county_admin"), article=a)
    assert Corpus.objects.get(pk=1).documents == 0
    assert Term.objects.get(term="公积金").df == 0


def test_article_list_is_scoped_and_filtered(org):
    mine = draft(org, "县级问答", "内容")
    town = draft(org, "镇级问答", "内容", author="town_admin")
    assert set(selectors.article_list(user=org.user("county_admin"))) == {mine, town}
    assert list(selectors.article_list(user=org.user("town_admin"))) == [town]
    assert list(selectors.article_list(user=org.user("other_admin"))) == []
    assert list(selectors.article_list(user=org.user("town_agent"))) == []  # no capability
    assert list(selectors.article_list(user=org.user("county_admin"), q="镇级")) == [town]
    assert list(selectors.article_list(user=org.user("county_admin"), status="published")) == []


def test_window_panel_suggests_articles_for_a_cases_item_versions(corpus, kb_items):
    version = kb_items["sbk"].versions.get()
    assert selectors.articles_for_versions(version_ids=[version.pk]) == [corpus["sbk_apply"]]
    assert selectors.articles_for_versions(version_ids=[]) == []


def test_article_public_refuses_drafts(org):
    a = draft(org, "草稿", "内容")
    with pytest.raises(Article.DoesNotExist):
        selectors.article_public(pk=a.pk)


def test_a_compound_no_document_holds_is_searched_by_its_parts(org, kb_items):
    food = make_item(org, "食品经营许可（新办）", 201)
    article = published(org, "开饭店要办哪些许可", "需要办理食品经营许可，到市场监管窗口申请。")
    result = selectors.search(q="食品经营许可证")
    assert ("item", food.pk) in keys(result) and ("article", article.pk) in keys(result)
    assert "食品" in result.words and "食品经营许可证" not in result.words


def test_articles_holding_only_some_words_are_found_when_none_holds_all(corpus):
    result = selectors.search(q="社保卡 火星")
    assert {corpus["sbk_apply"].pk, corpus["sbk_lost"].pk} <= {
        h.id for h in result.hits if h.kind == "article"
    }


def test_candidates_are_the_newest_in_force_even_behind_many_expired_ones(org):
    from bangban.knowledge import index, text

    valid = published(org, "医保卡激活", "到窗口激活")
    for i in range(55):  # newer, out of date: more than one chunk of FTS5 rows to read past
        published(org, f"医保卡旧规{i}", "已失效", valid_to=datetime.date(2021, 1, 1))
    groups = text.query_groups("医保卡")
    assert index.candidates(groups, on=datetime.date(2026, 6, 1), limit=1) == [valid.pk]
    newest = Article.objects.order_by("-id").first()
    assert index.candidates(groups, on=datetime.date(2020, 6, 1), limit=1) == [newest.pk]
    # Either way PostgreSQL reads (walking ids or collecting from GIN), the same answer.
    walk = {"documents": 1, "df": {"医保卡": 1}}
    assert index.candidates(groups, on=datetime.date(2026, 6, 1), limit=1, **walk) == [valid.pk]
    assert index.candidates(groups, on=datetime.date(2020, 6, 1), limit=1, **walk) == [newest.pk]
