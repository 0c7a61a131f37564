"""Reads of the knowledge base: the staff list (scoped), one article, and the public search.

Published articles in force are public; drafts and the rest are seen by KNOWLEDGE_MANAGE holders
of the owning institution's scope only.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.catalog.models import ItemVersion
from bangban.catalog.selectors import versions_in_force
from bangban.core.db.rows import placeholders
from bangban.core.kept import Kept
from bangban.core.routing import id_url
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
    is their title. At most ITEM_CANDIDATES, by item id. The reference: `_item_docs_cached` gives the
    same from a copy of the catalog kept in the process."""
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
            .order_by("item_id", "-valid_from", "-pk")
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


# --- the fast path: the same answers from copies kept in the process and the app's cache ----------
#
# Every search used to read the corpus row and the words' counts, run two catalog queries and rank
# ~200 candidates: ~8 ms of CPU at 100,000 articles, where 16 clients on two cores leave 2–3 ms.
# What a search reads changes only when an article is published or withdrawn (Corpus.generation, a
# new random value each time) or when the catalog changes (its versions' count, newest change and
# highest id), so one query reads both markers and:
# - the words' counts (Term) are kept per process for the current generation;
# - the catalog's versions in force are kept per process for (day, catalog marker), matched in Python
#   as the database's icontains does (lower-case containment; query words are lower-case already);
# - whole results are kept in the app's cache (Redis in production, shared by the workers) for
#   RESULT_SECONDS, keyed by (generation, catalog marker, day, query groups, page).
# Department names are read with the catalog copy; a renamed department shows within ITEMS_SECONDS.
# tests/test_fast_path.py checks the fast path against the reference on random corpora.

ITEMS_SECONDS = 60
DF_KEPT_MAX = 50_000


@dataclass(frozen=True)
class Markers:
    generation: str
    documents: int
    tokens: int
    catalog: tuple


MARKERS_SECONDS = 1.0


def _markers() -> Markers:
    """The markers, read at most once a MARKERS_SECONDS per process (a search then costs no database
    round trip once its result is cached). This process's own writes forget them (forget_markers), so
    what it publishes or changes in the catalog is searched at once; other processes see it within
    MARKERS_SECONDS."""
    return _kept_markers.get()


def forget_markers(**_ignored) -> None:
    """Read the markers again at the next search (core.kept). Called by the corpus's writers and, as a
    signal receiver, on any change to the catalog's versions (apps.py)."""
    _kept_markers.forget()


def _markers_read() -> Markers:
    corpus, version = Corpus._meta.db_table, ItemVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT generation FROM {corpus} WHERE id = 1), "
            f"(SELECT documents FROM {corpus} WHERE id = 1), (SELECT tokens FROM {corpus} WHERE id = 1), "
            f"(SELECT COUNT(*) FROM {version}), (SELECT MAX(updated_at) FROM {version}), "
            f"(SELECT MAX(id) FROM {version})"
        )
        generation, documents, tokens, count, changed, top = cursor.fetchone()
    return Markers(generation or "", max(documents or 0, 0), max(tokens or 0, 0), (count, str(changed), top))


_kept_markers = Kept(lambda _previous: _markers_read(), MARKERS_SECONDS)


_df_copy: tuple[str, dict[str, int]] = ("", {})
_items_copy: dict[tuple, tuple[float, list[tuple]]] = {}


def _stats_cached(terms: list[str], markers: Markers) -> ranking.Stats:
    global _df_copy
    generation, df = _df_copy
    # Kept words are those queried since the last publication: bounded, whatever visitors type.
    if generation != markers.generation or not generation or len(df) > DF_KEPT_MAX:
        df = {}
        if markers.generation:
            _df_copy = (markers.generation, df)
    missing = [t for t in terms if t not in df]
    if missing:
        found = dict(Term.objects.filter(term__in=missing).values_list("term", "df"))
        for t in missing:
            df[t] = found.get(t, 0)
    wanted = {t: df[t] for t in terms if df[t]}
    return ranking.Stats(documents=markers.documents, tokens=markers.tokens, df=wanted)


def _catalog_in_force(on: datetime.date, markers: Markers) -> list[tuple]:
    """(item_id, name, lower-case name, department) of the versions in force, by item id then newest."""
    key = (on, markers.catalog)
    kept = _items_copy.get(key)
    now = time.monotonic()
    if kept is not None and now - kept[0] < ITEMS_SECONDS:
        return kept[1]
    rows = [
        (item_id, name, name.lower(), department or "")
        for item_id, name, department in versions_in_force(on=on)
        .order_by("item_id", "-valid_from", "-pk")
        .values_list("item_id", "name", "department__name")
    ]
    _items_copy.clear()  # one day and catalog at a time: nothing to grow
    _items_copy[key] = (now, rows)
    return rows


def _item_docs_cached(
    groups: list[tuple[str, ...]], on: datetime.date, markers: Markers
) -> dict[tuple, dict]:
    """What _item_docs answers, matched in Python over the kept catalog."""
    rows = _catalog_in_force(on, markers)
    docs: dict[tuple, dict] = {}
    passes = ["every", "any"] if len(groups) > 1 else ["every"]
    for how in passes:
        taken = 0
        for item_id, name, lower, department in rows:
            hits = [any(t in lower for t in g) for g in groups]
            if not (all(hits) if how == "every" else any(hits)):
                continue
            taken += 1
            if taken > ITEM_CANDIDATES * 2:
                break
            key = (0, item_id)
            if key in docs or len(docs) >= ITEM_CANDIDATES:
                continue
            docs[key] = {"name": name, "department": department}
        if len(docs) >= ITEM_CANDIDATES:
            break
    return docs


def _token_rows(ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, title tokens, body tokens) of these articles: one plain query (the ORM's pk__in over 200
    ids cost a millisecond of building)."""
    if not ids:
        return []
    marks = placeholders(len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, title_tokens, body_tokens FROM {Article._meta.db_table} WHERE id IN ({marks})", ids
        )
        return cursor.fetchall()


def _result_seconds() -> int:
    return int(getattr(settings, "BANGBAN_KNOWLEDGE_RESULT_SECONDS", 300) or 0)


def search(
    *, q: str, on: datetime.date | None = None, limit: int = 10, offset: int = 0, fast: bool = True
) -> SearchResult:
    """Published articles in force and catalog items matching a colloquial Chinese query, best first.

    Each database proposes candidates (index.candidates); ranking.rank orders them the same way
    on every database (ties: items before articles, then by id). `fast=False` is the reference: every
    figure read from the database, nothing kept (the fast path must answer exactly the same)."""
    on = on or timezone.localdate()
    limit = max(1, min(limit, RESULTS_MAX))
    offset = max(0, min(offset, index.CANDIDATES))
    groups = text.query_groups(q)
    if not groups:
        return SearchResult(q=q)
    if not fast:
        return _search(q, groups, on, limit, offset, None)
    markers = _markers()
    seconds = _result_seconds()
    if not seconds or not markers.generation:
        return _search(q, groups, on, limit, offset, markers)
    digest = hashlib.sha1(
        repr((markers.generation, markers.catalog, on.isoformat(), groups, limit, offset)).encode()
    ).hexdigest()
    key = f"knowledge:search:{digest}"
    result = cache.get(key)
    if result is None:
        result = _search(q, groups, on, limit, offset, markers)
        cache.set(key, result, seconds)
    result.q = q  # queries with the same words share an entry
    return result


def _search(
    q: str, groups: list[tuple[str, ...]], on: datetime.date, limit: int, offset: int, markers: Markers | None
) -> SearchResult:
    result = SearchResult(q=q)

    def stats_of(terms):
        return _stats(terms) if markers is None else _stats_cached(terms, markers)

    stats = stats_of(text.all_terms(groups))
    relaxed = text.relax(groups, stats.df)
    if relaxed != groups:
        groups = relaxed
        stats = stats_of(text.all_terms(groups))
    terms = text.all_terms(groups)
    result.words = terms
    ids = index.candidates(groups, on=on, documents=stats.documents, df=stats.df)
    docs: list[ranking.Doc] = []
    for pk, title_tokens, body_tokens in _token_rows(ids):
        docs.append(ranking.Doc((1, pk), title_tokens, body_tokens))
    items = _item_docs(groups, on) if markers is None else _item_docs_cached(groups, on, markers)
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
                    id_url("public_catalog:guide", pk),
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
                id_url("knowledge:article", pk),
                score,
                highlight.mark(article.title, terms),
                highlight.snippet(article.body, terms),
                article.get_kind_display(),
            )
        )
    return result
