"""Chinese text to search terms: word segmentation (rjieba), domain words, synonyms, stop words.

Pure (no database). The segmenter is loaded on first use, not at Django startup: it costs about a
third of a second and most processes (Celery workers, migrations) never search. App servers load it
before they serve (warm, registered with core.warmup), so no visitor waits for it.

Why rjieba (jieba-rs, MIT): the same dictionary and algorithm as jieba, but ~100× faster (9 µs for a
40-character question against ~1 ms), which matters when 100,000 articles are indexed and on every
query; it accepts custom words like jieba does. Pinned in requirements.txt and pyproject.toml.

Index side: `index_tokens` uses the search mode (a long word and its parts: 居民身份证 → 居民, 身份,
身份证, 居民身份证), so a query for a part finds the whole. Query side: `query_groups` uses the
plain mode (longest words), drops stop words (怎么, 办理, 请问 …), and expands each word to its synonym
group: a document matches a group when it holds any of its words.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
# Letters and digits only (no underscore, no punctuation): the same token for Python, FTS5's
# unicode61 tokenizer and PostgreSQL's 'simple' parser.
WORD_RE = re.compile(r"[^\W_]+")
MAX_QUERY_CHARS = 100
MAX_GROUPS = 8
MAX_TOKEN_CHARS = 50  # longer runs (a pasted URL, a long number) are not words anyone searches

# Words so common in questions that they tell nothing about the topic. Kept in the index (a title
# may be 怎么办理…) but never required by a query.
STOP_WORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 么 和 与 及 或 在 是 有 要 想 能 会 可 以 我 你 您 他 她 它 我们 你们 这 那 哪
    怎么 怎么办 怎样 怎么样 如何 什么 哪些 哪里 哪儿 多少 多久 几 为什么 是否 可以 能否 能不能 需要 需 要求
    办 办理 办事 去 到 给 请问 请 问 咨询 一下 一个 个 帮 帮忙 帮我 应该 应当 还 也 都 就 才 又 被 把 对 从
    """.split()
)


def _lines(name: str) -> list[str]:
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


_lock = threading.Lock()


@functools.cache
def _segmenter():
    import rjieba

    with _lock:
        seg = rjieba.Jieba()
        for line in _lines("words.txt"):
            word, _, freq = line.partition(" ")
            seg.add_word(word, int(freq) if freq.strip().isdigit() else None, None)
    return seg


def warm() -> None:
    """Load the segmenter and the synonyms now (an app server at start-up: core.warmup)."""
    _segmenter()
    synonyms()


@functools.cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """{word: its group, the word first}, from data/synonyms.txt. A word in several groups gets all."""
    groups: dict[str, list[str]] = {}
    for line in _lines("synonyms.txt"):
        words = [normalize(w) for w in line.split()]
        for w in words:
            bucket = groups.setdefault(w, [w])
            bucket.extend(x for x in words if x not in bucket)
    return {w: tuple(g) for w, g in groups.items()}


def normalize(text: str) -> str:
    """Full-width to half-width, lower case (NFKC): ＡＢ１２ and ab12 are one token."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _words(pieces) -> list[str]:
    return [p for p in pieces if WORD_RE.fullmatch(p)]


def index_tokens(text: str) -> list[str]:
    """The tokens stored for a text (search mode: words and their parts), in order."""
    text = normalize(text)
    if not text.strip():
        return []
    out: list[str] = []
    for chunk in WORD_RE.findall(text):
        out.extend(w for w in _words(_segmenter().cut_for_search(chunk)) if len(w) <= MAX_TOKEN_CHARS)
    return out


def query_words(q: str) -> list[str]:
    """The content words of a query, in order, without repeats; stop words only if nothing else is left."""
    text = normalize(q)[:MAX_QUERY_CHARS]
    words: list[str] = []
    for chunk in WORD_RE.findall(text):
        words.extend(_words(_segmenter().cut(chunk)))
    seen: list[str] = []
    for w in words:
        if w not in seen:
            seen.append(w)
    content = [w for w in seen if w not in STOP_WORDS]
    return content or seen


def group(word: str) -> tuple[str, ...]:
    """The word and its synonyms."""
    return synonyms().get(word, (word,))


def query_groups(q: str) -> list[tuple[str, ...]]:
    """One group per query word: the word and its synonyms. At most MAX_GROUPS groups."""
    groups: list[tuple[str, ...]] = []
    for w in query_words(q):
        g = group(w)
        if g not in groups:
            groups.append(g)
    return groups[:MAX_GROUPS]


def parts(word: str) -> list[str]:
    """The smallest words inside a compound (食品经营许可证 → 食品, 经营, 许可), without stop words and
    single characters: what to look for when no document holds the compound itself."""
    pieces = [p for p in _words(_segmenter().cut_for_search(normalize(word))) if p != word and len(p) >= 2]
    pieces = [p for p in dict.fromkeys(pieces) if p not in STOP_WORDS]
    return [p for p in pieces if not any(o != p and o in p for o in pieces)]


def relax(groups: list[tuple[str, ...]], df: dict[str, int]) -> list[tuple[str, ...]]:
    """Groups none of whose words any document holds (df 0) replaced by the groups of their parts."""
    out: list[tuple[str, ...]] = []
    for g in groups:
        pieces = parts(g[0]) if not any(df.get(t, 0) for t in g) else []
        for new in [group(p) for p in pieces] or [g]:
            if new not in out:
                out.append(new)
    return out[:MAX_GROUPS]


def all_terms(groups: list[tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    for g in groups:
        out.extend(t for t in g if t not in out)
    return out
