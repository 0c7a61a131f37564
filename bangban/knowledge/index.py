"""The full-text index, one per database vendor, behind two functions: `sync` and `candidates`.

SQLite: an FTS5 table `knowledge_fts` (rowid = article id) over the tokens of *published* articles,
kept in step by the services (`sync` on publication, `remove` on withdrawal, in the same
transaction): FTS5 then hands out the newest matches itself, in rowid order, without touching the
article table for the thousands of older ones. PostgreSQL: a GIN index on
to_tsvector('simple', tokens), stored in a generated column `tsv` of the article table (PostgreSQL
only; the ORM never reads it), kept by the database.

Both only propose candidates: published articles in force holding the query's words, every group
(AND) first, then, when fewer than ENOUGH hold them all, any (OR); newest first, at most CANDIDATES. Ranking is ranking.rank, in Python.
"""

from __future__ import annotations

import datetime

from django.db import connection

from bangban.core.db.rows import placeholders
from bangban.knowledge import workflow

CANDIDATES = 200
ENOUGH = 20  # every-word matches that make the any-word pass unnecessary

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_fts USING fts5("
    "tokens, tokenize = 'unicode61 remove_diacritics 0')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS knowledge_fts"
# A stored tsvector (not only an expression index): when a word is common the planner walks the
# newest articles by id and tests each, and recomputing to_tsvector per row there took 5 s at 100k.
PG_CREATE = [
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX IF NOT EXISTS knowledge_article_tsv_gin ON knowledge_article USING gin (tsv)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS knowledge_article_tsv_gin",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS tsv",
]


def create(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
        schema_editor.execute(
            "INSERT INTO knowledge_fts(rowid, tokens) SELECT id, tokens FROM knowledge_article"
        )
    elif vendor == "postgresql":
        for sql in PG_CREATE:
            schema_editor.execute(sql)


def drop(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        for sql in PG_DROP:
            schema_editor.execute(sql)


def sync(article_ids_tokens: list[tuple[int, str]]) -> None:
    """Bring the index in step with these articles' tokens (SQLite only; PostgreSQL's index follows
    the column by itself)."""
    if connection.vendor != "sqlite" or not article_ids_tokens:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM knowledge_fts WHERE rowid = %s", [(pk,) for pk, _ in article_ids_tokens]
        )
        cursor.executemany("INSERT INTO knowledge_fts(rowid, tokens) VALUES (%s, %s)", article_ids_tokens)


def remove(article_ids: list[int]) -> None:
    if connection.vendor != "sqlite" or not article_ids:
        return
    with connection.cursor() as cursor:
        cursor.executemany("DELETE FROM knowledge_fts WHERE rowid = %s", [(pk,) for pk in article_ids])


def _fts_query(groups: list[tuple[str, ...]], op: str) -> str:
    # Tokens are letters and digits only (text.WORD_RE); quoted, each is one FTS5 string.
    return f" {op} ".join("(" + " OR ".join(f'"{t}"' for t in g) + ")" for g in groups)


def _ts_query(groups: list[tuple[str, ...]], op: str) -> str:
    return f" {op} ".join("(" + " | ".join(f"'{t}'" for t in g) + ")" for g in groups)


def _in_force(alias: str) -> str:
    return (
        f"{alias}.status = %s AND ({alias}.valid_from IS NULL OR {alias}.valid_from <= %s) "
        f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %s)"
    )


def _sqlite_newest(cursor, match: str, on: datetime.date, wanted: int, exclude: set[int]) -> list[int]:
    """The newest `wanted` ids FTS5 matches that are in force on `on` and not in `exclude`: the same
    set as PostgreSQL's ORDER BY id DESC LIMIT, read from FTS5 newest first, a chunk at a time."""
    out: list[int] = []
    below = None
    chunk = wanted + 50
    while len(out) < wanted:
        sql = "SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH %s"
        args: list = [match]
        if below is not None:
            sql += " AND rowid < %s"
            args.append(below)
        cursor.execute(sql + " ORDER BY rowid DESC LIMIT %s", [*args, chunk])
        rows = [r[0] for r in cursor.fetchall()]
        fresh = [r for r in rows if r not in exclude]
        if fresh:
            marks = placeholders(len(fresh))
            cursor.execute(
                f"SELECT a.id FROM knowledge_article a WHERE a.id IN ({marks}) AND {_in_force('a')}",
                [*fresh, workflow.PUBLISHED, on, on],
            )
            valid = {r[0] for r in cursor.fetchall()}
            out.extend(r for r in fresh if r in valid)
        if len(rows) < chunk:
            break
        below = rows[-1]
    return out[:wanted]


def expected_matches(groups: list[tuple[str, ...]], op: str, documents: int, df: dict[str, int]) -> float:
    """About how many articles a match finds, from the word counts: a group holds at most the sum of
    its words' counts; every group (AND) as if independent, any group (OR) their sum."""
    if documents <= 0:
        return 0.0
    shares = [min(sum(df.get(t, 0) for t in g), documents) / documents for g in groups]
    if op == "AND":
        product = 1.0
        for share in shares:
            product *= share
        return documents * product
    return documents * min(sum(shares), 1.0)


def _walk_newest(expected: float, documents: int, limit: int) -> bool:
    """PostgreSQL: walk the newest articles by id testing each (reads about limit × N / matches rows)
    or collect every match from the GIN index and sort (reads the matches)? At 100k articles the
    planner walked 25,000 rows (166 ms) for a 743-match query the index answers in 5 ms, and the other
    way round costs 95 ms for a common word the walk finds in 15 ms; the word counts decide better."""
    return expected * expected >= limit * documents


def candidates(
    groups: list[tuple[str, ...]],
    *,
    on: datetime.date,
    limit: int = CANDIDATES,
    documents: int = 0,
    df: dict[str, int] | None = None,
) -> list[int]:
    """Ids of published articles in force on `on` holding every group, then any group; newest first.
    `documents` and `df` (corpus statistics) only choose PostgreSQL's way, never the result."""
    if not groups:
        return []
    ids: list[int] = []
    passes = ["AND", "OR"] if len(groups) > 1 else ["AND"]
    with connection.cursor() as cursor:
        for op in passes:
            left = limit - len(ids)
            # Articles holding only some of the words are looked for when those holding all are too few
            # for a page or two: on a large base the any-word match is the costly one.
            if left <= 0 or (op == "OR" and len(ids) >= ENOUGH):
                break
            if connection.vendor == "sqlite":
                ids.extend(_sqlite_newest(cursor, _fts_query(groups, op), on, left, set(ids)))
                continue
            params = [workflow.PUBLISHED, on, on]
            exclude = ""
            if ids:
                exclude = f" AND a.id NOT IN ({placeholders(len(ids))})"
            walk = _walk_newest(expected_matches(groups, op, documents, df or {}), documents, left)
            # "a.id + 0" is no indexed expression: the planner cannot walk the primary key and uses GIN.
            order = "a.id DESC" if walk else "a.id + 0 DESC"
            sql = (
                "SELECT a.id FROM knowledge_article a "
                "WHERE a.tsv @@ to_tsquery('simple'::regconfig, %s) "
                f"AND {_in_force('a')}{exclude} ORDER BY {order} LIMIT %s"
            )
            cursor.execute(sql, [_ts_query(groups, "&" if op == "AND" else "|"), *params, *ids, left])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def rebuild() -> None:
    """Recompute everything derived from the articles: the SQLite FTS table and the BM25 statistics
    (Term, Corpus) of published articles. For repairs and bulk loads (the benchmark); services keep
    them in step otherwise. Derived data only: no audit row."""
    import uuid
    from collections import Counter

    from bangban.knowledge import selectors
    from bangban.knowledge.models import Article, Corpus, Term

    df: Counter = Counter()
    documents = tokens = 0
    rows = Article.objects.filter(status=workflow.PUBLISHED).values_list("tokens", flat=True)
    for text in rows.iterator(chunk_size=5000):
        words = text.split()
        documents += 1
        tokens += len(words)
        df.update(set(words))
    Term.objects.all().delete()
    Term.objects.bulk_create([Term(term=t, df=n) for t, n in sorted(df.items())], batch_size=2000)
    Corpus.objects.update_or_create(
        pk=1, defaults={"documents": documents, "tokens": tokens, "generation": uuid.uuid4().hex}
    )
    selectors.forget_markers()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM knowledge_fts")
            cursor.execute(
                "INSERT INTO knowledge_fts(rowid, tokens) SELECT id, tokens FROM knowledge_article"
            )
