"""Reads of the knowledge base: the staff list (scoped), one article, and the public search.

Published articles in force are public; drafts and the rest are seen by KNOWLEDGE_MANAGE holders
of the owning institution's scope only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.catalog.selectors import versions_in_force
from bangban.knowledge import highlight, index, ranking, text, workflow
from bangban.knowledge.models import Article, Corpus, Term
from bangban.org.selectors import get_in_scope, scope_q

RESULTS_MAX = 50
ITEM_CANDIDATES = 50
ARTICLE, ITEM = "article", "item"


def in_force_q(on: datetime.date) -> Q:
    return (
        Q(status=workflow.PUBLISHED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    )


def article_list(
    *, user, status: str = "", kind: str = "", q: str = "", source: str = ""
) -> QuerySet[Article]:
    """Articles of the user's scope (KNOWLEDGE_MANAGE holders; nothing for others), newest first."""
    if not has_cap(user, Cap.KNOWLEDGE_MANAGE):
        return Article.objects.none()
    qs = Article.objects.filter(scope_q(user)).select_related("institution", "written_by", "reviewed_by")
    if status in Article.Status.values:
        qs = qs.filter(status=status)
    if kind in Article.Kind.values:
        qs = qs.filter(kind=kind)
    if source in Article.Source.values:
        qs = qs.filter(source=source)
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(tags__icontains=q))
    return qs.order_by("-id")


def article_get(*, user, pk) -> Article:
    """An article of the user's scope (NotInScope otherwise, also for users without the capability)."""
    qs = Article.objects.select_related("institution", "written_by", "reviewed_by")
    if not has_cap(user, Cap.KNOWLEDGE_MANAGE):
        qs = qs.none()
    return get_in_scope(qs, user, pk)


def article_public(*, pk: int, on: datetime.date | None = None) -> Article:
    """A published article in force (Article.DoesNotExist otherwise)."""
    on = on or timezone.localdate()
    return Article.objects.prefetch_related("items").get(in_force_q(on), pk=pk)


def articles_for_versions(
    *, version_ids: list[int], on: datetime.date | None = None, limit: int = 5
) -> list[Article]:
    """Published articles in force about the items of these catalog versions (a case's items),
    newest first: the window's 相关知识 panel, in one query."""
    if not version_ids:
        return []
    on = on or timezone.localdate()
    return list(
        Article.objects.filter(in_force_q(on), items__versions__in=version_ids)
        .distinct()
        .only("id", "title", "kind")
        .order_by("-id")[:limit]
    )


# --- search --------------------------------------------------------------------------------------


@dataclass
class Hit:
    kind: str  # "article" or "item"
    id: int
    title: str
    url: str
    score: float
    title_html: SafeString
    snippet_html: SafeString
    label: str  # 问答 / 文章 / 办事指南


@dataclass
class SearchResult:
    q: str
    words: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    matched: int = 0  # candidates that scored (articles + items), at most index.CANDIDATES + ITEM_CANDIDATES


def _stats(terms: list[str]) -> ranking.Stats:
    corpus = Corpus.objects.filter(pk=1).values_list("documents", "tokens").first() or (0, 0)
    df = dict(Term.objects.filter(term__in=terms).values_list("term", "df"))
    return ranking.Stats(documents=max(corpus[0], 0), tokens=max(corpus[1], 0), df=df)


def _item_docs(groups: list[tuple[str, ...]], on: datetime.date) -> dict[tuple, dict]:
    """Items (catalog versions in force) whose name holds every query group, or else any: their name
    is their title. At most ITEM_CANDIDATES, by item id."""
    docs: dict[tuple, dict] = {}
    any_q = Q()
    every_q = Q()
    for g in groups:
        one = Q()
        for t in g:
            one |= Q(name__icontains=t)
        any_q |= one
        every_q &= one
    for match in [every_q, any_q] if len(groups) > 1 else [every_q]:
        rows = (
            versions_in_force(on=on)
            .filter(match)
            .order_by("item_id", "-valid_from")
            .values_list("item_id", "name", "department__name")[: ITEM_CANDIDATES * 2]
        )
        for item_id, name, department in rows:
            key = (0, item_id)
            if key in docs or len(docs) >= ITEM_CANDIDATES:
                continue
            docs[key] = {"name": name, "department": department or ""}
        if len(docs) >= ITEM_CANDIDATES:
            break
    return docs


def search(*, q: str, on: datetime.date | None = None, limit: int = 10, offset: int = 0) -> SearchResult:
    """Published articles in force and catalog items matching a colloquial Chinese query, best first.

    Each database proposes candidates (index.candidates); ranking.rank orders them the same way
    on every database (ties: items before articles, then by id)."""
    on = on or timezone.localdate()
    limit = max(1, min(limit, RESULTS_MAX))
    offset = max(0, min(offset, index.CANDIDATES))
    groups = text.query_groups(q)
    result = SearchResult(q=q)
    if not groups:
        return result
    stats = _stats(text.all_terms(groups))
    relaxed = text.relax(groups, stats.df)
    if relaxed != groups:
        groups = relaxed
        stats = _stats(text.all_terms(groups))
    terms = text.all_terms(groups)
    result.words = terms
    ids = index.candidates(groups, on=on, documents=stats.documents, df=stats.df)
    docs: list[ranking.Doc] = []
    rows = Article.objects.filter(pk__in=ids).values_list("id", "title_tokens", "body_tokens")
    for pk, title_tokens, body_tokens in rows:
        docs.append(ranking.Doc((1, pk), title_tokens, body_tokens))
    items = _item_docs(groups, on)
    for key, row in items.items():
        docs.append(ranking.Doc(key, " ".join(text.index_tokens(row["name"]))))
    ranked = ranking.rank(docs, groups, stats)
    result.matched = len(ranked)
    page = ranked[offset : offset + limit]
    wanted = [d.key[1] for d, _ in page if d.key[0] == 1]
    articles = {a.pk: a for a in Article.objects.filter(pk__in=wanted).only("id", "title", "body", "kind")}
    for doc, score in page:
        kind_order, pk = doc.key
        if kind_order == 0:
            row = items[doc.key]
            result.hits.append(
                Hit(
                    ITEM,
                    pk,
                    row["name"],
                    reverse("public_catalog:guide", args=[pk]),
                    score,
                    highlight.mark(row["name"], terms),
                    highlight.mark(row["department"], terms),
                    "办事指南",
                )
            )
            continue
        article = articles[pk]
        result.hits.append(
            Hit(
                ARTICLE,
                pk,
                article.title,
                reverse("knowledge:article", args=[pk]),
                score,
                highlight.mark(article.title, terms),
                highlight.snippet(article.body, terms),
                article.get_kind_display(),
            )
        )
    return result
