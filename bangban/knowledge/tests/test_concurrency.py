"""Concurrent writes never duplicate data (real threads, real transactions, both databases)."""

import pytest

from bangban.core.testing import make_org, run_together
from bangban.knowledge import services
from bangban.knowledge.models import Article, Corpus, Term
from bangban.knowledge.tests.factories import draft, workbook

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_reviewers_publishing_at_once_publish_once_and_count_once():
    org = make_org()
    article = draft(org, "社保卡补办", "带身份证到社保窗口")
    services.article_submit(by=org.user("catalog_admin"), article=article)
    reviewers = [org.user("county_admin"), org.user("coordinator")]
    results = run_together(2, lambda i: services.article_publish(by=reviewers[i], article=article).pk)
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert Corpus.objects.get(pk=1).documents == 1
    assert Term.objects.get(term="社保卡").df == 1


def test_the_same_workbook_imported_twice_at_once_creates_each_question_once():
    org = make_org()
    data = workbook([["社保卡怎么办？", "带身份证。", "社保", "12345"]], ("问题", "答复", "分类", "来源"))
    results = run_together(
        2, lambda i: services.article_import(by=org.user("catalog_admin"), data=data).summary
    )
    assert [r[0] for r in results] == ["ok", "ok"], results
    assert Article.objects.count() == 1
    assert sorted(r[1][:6] for r in results) == ["新增 0 条", "新增 1 条"]
