"""The fast search path (kept statistics, kept catalog, cached results) answers exactly what the
reference (`search(fast=False)`: every figure read from the database, nothing kept) answers, on
random corpora, and a publication, a withdrawal or a catalog change is seen at once in the process that
made it (within selectors.MARKERS_SECONDS in the others)."""

import datetime
import random

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bangban.knowledge import index, selectors, services, workflow
from bangban.knowledge.models import Article, Corpus
from bangban.knowledge.tests.factories import make_item, published

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 1)
WORDS = ["社保卡", "社会保障卡", "身份证", "居民身份证", "老年人", "老人", "户口", "公积金", "低保", "医保"]
ITEM_NAMES = ["社会保障卡申领", "居民身份证换领", "公积金提取", "低保申请", "医保关系转移", "户口迁移"]


def view(result):
    return [(h.kind, h.id, h.score, str(h.title_html), str(h.snippet_html)) for h in result.hits], (
        result.words,
        result.matched,
    )


def _corpus(org, rng: random.Random, articles: int, items: int, seq: int) -> None:
    author = org.user("catalog_admin")
    rows = []
    for _ in range(articles):
        valid_from = rng.choice([None, None, datetime.date(2020, 1, 1), datetime.date(2027, 1, 1)])
        valid_to = rng.choice([None, None, None, datetime.date(2025, 12, 31)])
        if valid_from and valid_to and valid_to < valid_from:
            valid_to = None
        title = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
        body = [rng.choice(WORDS + ["窗口", "材料"]) for _ in range(rng.randint(0, 8))]
        rows.append(
            Article(
                kind="qa",
                title="".join(title),
                body="".join(body),
                status=rng.choice(["published"] * 4 + ["draft", "withdrawn"]),
                valid_from=valid_from,
                valid_to=valid_to,
                institution_id=author.institution_id,
                written_by=author,
                title_tokens=" ".join(title),
                body_tokens=" ".join(body),
                tokens=" ".join(title + body),
            )
        )
    Article.objects.bulk_create(rows)
    for i, name in enumerate(rng.sample(ITEM_NAMES, items)):
        make_item(
            org, name, seq + i, valid_from=rng.choice([datetime.date(2020, 1, 1), datetime.date(2027, 1, 1)])
        )
    index.rebuild()


_examples = iter(range(10_000))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32),
    articles=st.sampled_from([0, 3, 30, 260]),
    items=st.integers(0, 4),
    queries=st.lists(
        st.lists(st.sampled_from([*WORDS, "怎么", "办理", "火星"]), min_size=1, max_size=3),
        min_size=1,
        max_size=4,
    ),
    offset=st.sampled_from([0, 10]),
)
def test_the_fast_path_answers_what_the_reference_answers_on_random_corpora(
    org, seed, articles, items, queries, offset
):
    try:
        with transaction.atomic():  # each example on its own corpus, rolled back after
            _check(org, seed, articles, items, queries, offset)
            raise _RolledBack
    except _RolledBack:
        pass


class _RolledBack(Exception):
    pass


def _check(org, seed, articles, items, queries, offset):
    cache.clear()
    _corpus(org, random.Random(seed), articles, items, 500 + 10 * next(_examples))
    for words in queries:
        q = " ".join(words)
        reference = view(selectors.search(q=q, on=ON, offset=offset, fast=False))
        with override_settings(BANGBAN_KNOWLEDGE_RESULT_SECONDS=0):
            assert view(selectors.search(q=q, on=ON, offset=offset)) == reference, q
        first = selectors.search(q=q, on=ON, offset=offset)  # computed and cached
        again = selectors.search(q=q, on=ON, offset=offset)  # from the cache
        assert view(first) == view(again) == reference, q
        assert again.q == q


def keys(result):
    return [(h.kind, h.id) for h in result.hits]


def test_publication_withdrawal_and_catalog_changes_are_seen_at_once(org):
    a = published(org, "公积金提取条件", "公积金提取")
    assert keys(selectors.search(q="公积金")) == [("article", a.pk)]
    b = published(org, "公积金提取", "公积金")
    assert keys(selectors.search(q="公积金")) == keys(selectors.search(q="公积金", fast=False))
    assert set(keys(selectors.search(q="公积金"))) == {("article", a.pk), ("article", b.pk)}
    services.article_withdraw(by=org.user("county_admin"), article=b)
    assert keys(selectors.search(q="公积金")) == [("article", a.pk)]
    item = make_item(org, "住房公积金提取", 301)
    assert keys(selectors.search(q="公积金")) == keys(selectors.search(q="公积金", fast=False))
    assert ("item", item.pk) in keys(selectors.search(q="公积金"))


def test_another_process_change_is_seen_once_the_kept_markers_expire(
    org, monkeypatch, django_assert_num_queries
):
    """Markers are read once a MARKERS_SECONDS per process: a cached search then costs no query. A
    change no signal tells this process about (another process's publication, a bulk SQL update of the
    catalog) is seen once they expire."""
    a = published(org, "公积金提取条件", "公积金提取")
    clock = [1000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    selectors.forget_markers()
    assert keys(selectors.search(q="公积金")) == [("article", a.pk)]
    with django_assert_num_queries(0):
        assert keys(selectors.search(q="公积金")) == [("article", a.pk)]
    # As another process would: the article withdrawn and the corpus's generation moved, no signal here.
    Article.objects.filter(pk=a.pk).update(status=workflow.WITHDRAWN)
    Corpus.objects.filter(pk=1).update(generation="moved-elsewhere", documents=0)
    clock[0] += selectors.MARKERS_SECONDS / 2
    assert keys(selectors.search(q="公积金")) == [("article", a.pk)]  # still kept, as designed
    clock[0] += selectors.MARKERS_SECONDS
    assert keys(selectors.search(q="公积金")) == []


def test_the_same_words_share_a_cache_entry_but_keep_their_own_query(org):
    published(org, "低保申请", "低保")
    first = selectors.search(q="低保")
    second = selectors.search(q="怎么办低保")
    assert keys(first) == keys(second) and second.q == "怎么办低保" and first.q == "低保"
