"""Every change to the knowledge base: one transaction, one audit row each.

Who: holders of KNOWLEDGE_MANAGE, on articles of institutions in their scope (refused with
NotInScope otherwise, which reveals nothing). A second person publishes: the author of an article
cannot publish it (workflow.NOT_BY_AUTHOR).

The search index follows every write in the same transaction: tokens are recomputed when the text
changes; publication adds the article to the SQLite FTS table (index.sync) and to the BM25
statistics (Term, Corpus: published articles only, moved by relative UPDATEs), withdrawal takes it
out of both. Only published articles can be found, and a published article cannot be edited.

Import (12345 export shape: 问题, 答复, 分类, 来源, optional 事项编码, 有效期至): each good row becomes
an article *submitted for review* (待审核), never published directly, so the four-eyes rule holds
for imports too; a reviewer publishes them. Bad rows are reported with the column and the rule and
skipped; good rows are saved. Re-importing the same question from the same source finds its article
again (import_key) and changes nothing when nothing changed.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.catalog.models import Item
from bangban.core.errors import NotInScope, ServiceError
from bangban.knowledge import index, selectors, text, workflow
from bangban.knowledge.models import BODY_MAX, TAGS_MAX, TITLE_MAX, Article, Corpus, Term
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope

MANAGE_MESSAGE = "您的角色不能管理知识库"
FIELDS = ["kind", "title", "body", "tags", "source", "valid_from", "valid_to", "status"]
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
ITEMS_MAX = 20


# --- helpers -------------------------------------------------------------------------------------


def _require_manager(by, article: Article | None = None) -> None:
    require_cap(by, Cap.KNOWLEDGE_MANAGE, MANAGE_MESSAGE)
    if article is not None and not institution_in_scope(by, article.institution):
        raise NotInScope(target=article)


def _lock(article: Article, expected_version: int | None = None) -> Article:
    locked = Article.objects.select_for_update().select_related("institution").get(pk=article.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ServiceError("stale", "该知识已被他人更新，请刷新页面后再操作", field="version")
    return locked


def _snapshot(article: Article) -> dict:
    return {f: str(getattr(article, f) or "") for f in FIELDS}


def _changes(before: dict, after: dict) -> dict:
    return {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}


def _clean(data: dict) -> dict:
    """The article fields from `data`, checked; ServiceError naming the field otherwise."""
    out = {}
    kind = data.get("kind") or Article.Kind.QA
    if kind not in Article.Kind.values:
        raise ServiceError("invalid", "「类型」只能是文章或问答", field="kind")
    out["kind"] = kind
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        raise ServiceError("required", "「标题或问题」为必填项", field="title")
    if len(title) > TITLE_MAX:
        raise ServiceError("too_long", f"「标题或问题」最多 {TITLE_MAX} 个字", field="title")
    out["title"] = title
    body = str(data.get("body") or "").strip()
    if not body:
        raise ServiceError("required", "「正文或答复」为必填项", field="body")
    if len(body) > BODY_MAX:
        raise ServiceError("too_long", f"「正文或答复」最多 {BODY_MAX} 个字", field="body")
    out["body"] = body
    tags = ",".join(t for t in (x.strip() for x in re.split(r"[,，、;；]", str(data.get("tags") or ""))) if t)
    if len(tags) > TAGS_MAX:
        raise ServiceError("too_long", f"「分类标签」合计最多 {TAGS_MAX} 个字", field="tags")
    out["tags"] = tags
    source = data.get("source") or Article.Source.OWN
    if source not in Article.Source.values:
        raise ServiceError("invalid", "「来源」不在可选范围内", field="source")
    out["source"] = source
    for name in ("valid_from", "valid_to"):
        value = data.get(name)
        if value is not None and not isinstance(value, datetime.date):
            raise ServiceError("invalid", "日期格式应为 YYYY-MM-DD", field=name)
        out[name] = value
    if out["valid_from"] and out["valid_to"] and out["valid_to"] < out["valid_from"]:
        raise ServiceError("invalid", "「有效期至」不能早于「生效日期」", field="valid_to")
    items = list(data.get("items") or [])
    if len(items) > ITEMS_MAX:
        raise ServiceError("too_many", f"「相关事项」最多 {ITEMS_MAX} 项", field="items")
    out["items"] = items
    return out


def _set_tokens(article: Article) -> None:
    title = text.index_tokens(article.title)
    body = text.index_tokens(article.body)
    article.title_tokens = " ".join(title)
    article.body_tokens = " ".join(body)
    article.tokens = " ".join(title + body)


def _stats_move(articles: list[Article], sign: int) -> None:
    """Add (sign=1) or take away (sign=-1) these articles from the BM25 statistics."""
    if not articles:
        return
    df: Counter = Counter()
    total = 0
    for a in articles:
        words = a.tokens.split()
        total += len(words)
        df.update(set(words))
    Corpus.objects.bulk_create([Corpus(pk=1)], ignore_conflicts=True)
    Corpus.objects.filter(pk=1).update(
        documents=F("documents") + sign * len(articles),
        tokens=F("tokens") + sign * total,
        generation=uuid.uuid4().hex,
    )
    selectors.forget_markers()
    Term.objects.bulk_create([Term(term=t) for t in sorted(df)], ignore_conflicts=True, batch_size=500)
    by_count: dict[int, list[str]] = {}
    for t, n in df.items():
        by_count.setdefault(n, []).append(t)
    for n, terms in sorted(by_count.items()):
        for start in range(0, len(terms), 500):
            Term.objects.filter(term__in=sorted(terms)[start : start + 500]).update(df=F("df") + sign * n)


def _audit(by, action: str, article: Article, changes: dict | None = None, note: str = "") -> None:
    audit_record(
        actor=by,
        action=f"knowledge.article.{action}",
        target=article,
        institution=article.institution,
        changes=changes or {},
        note=note,
    )


def _save_items(article: Article, items: list[Item]) -> None:
    article.items.set(items)


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def article_create(*, by, data: dict, institution: Institution | None = None) -> Article:
    """A new draft written by `by`, owned by `by`'s institution (or `institution` in their scope)."""
    _require_manager(by)
    institution = institution or by.institution
    if not institution_in_scope(by, institution):
        raise ServiceError("invalid", "「所属机构」不在您的管辖范围内", field="institution")
    d = _clean(data)
    items = d.pop("items")
    article = Article(**d, institution=institution, written_by=by, status=workflow.DRAFT)
    _set_tokens(article)
    article.save()
    _save_items(article, items)
    _audit(by, "create", article, {k: {"from": "", "to": v} for k, v in _snapshot(article).items() if v})
    return article


@transaction.atomic
def article_update(*, by, article: Article, data: dict, expected_version: int | None = None) -> Article:
    """Change the text of a draft (or of a withdrawn article, which becomes a draft again)."""
    _require_manager(by, article)
    article = _lock(article, expected_version)
    to = workflow.target("edit", article.status)
    if to is None:
        raise ServiceError(
            "not_allowed",
            f"「{article.get_status_display()}」的知识不能修改；已发布的请先撤回",
            field="status",
        )
    d = _clean(data)
    items = d.pop("items")
    before = _snapshot(article)
    before_items = sorted(article.items.values_list("pk", flat=True))
    for k, v in d.items():
        setattr(article, k, v)
    article.status = to
    article.reviewed_by = None
    article.version += 1
    _set_tokens(article)
    article.save()
    _save_items(article, items)
    changes = _changes(before, _snapshot(article))
    after_items = sorted(i.pk for i in items)
    if after_items != before_items:
        changes["items"] = {"from": before_items, "to": after_items}
    _audit(by, "update", article, changes)
    return article


def _transition(by, article: Article, action: str, *, expected_version: int | None) -> tuple[Article, str]:
    _require_manager(by, article)
    article = _lock(article, expected_version)
    to = workflow.target(action, article.status)
    if to is None:
        raise ServiceError(
            "not_allowed",
            f"「{article.get_status_display()}」的知识不能{workflow.ACTION_LABELS[action]}",
            field="status",
        )
    if action in workflow.NOT_BY_AUTHOR and article.written_by_id == by.pk:
        raise ServiceError(
            "four_eyes", "撰写人不能审核发布自己撰写的知识，请由另一位工作人员审核", field="status"
        )
    before = article.status
    article.status = to
    article.version += 1
    return article, before


@transaction.atomic
def article_submit(*, by, article: Article, expected_version: int | None = None) -> Article:
    """Draft → submitted for review."""
    article, before = _transition(by, article, "submit", expected_version=expected_version)
    article.save(update_fields=["status", "version", "updated_at"])
    _audit(by, "submit", article, {"status": {"from": before, "to": article.status}})
    return article


@transaction.atomic
def article_return(*, by, article: Article, note: str = "", expected_version: int | None = None) -> Article:
    """Submitted → draft, with the reviewer's note in the audit row."""
    article, before = _transition(by, article, "return", expected_version=expected_version)
    article.save(update_fields=["status", "version", "updated_at"])
    _audit(by, "return", article, {"status": {"from": before, "to": article.status}}, note=note[:500])
    return article


@transaction.atomic
def article_publish(*, by, article: Article, expected_version: int | None = None) -> Article:
    """Submitted → published by someone other than the author; the article becomes searchable."""
    article, before = _transition(by, article, "publish", expected_version=expected_version)
    article.reviewed_by = by
    article.published_at = timezone.now()
    article.save(update_fields=["status", "version", "reviewed_by", "published_at", "updated_at"])
    _stats_move([article], +1)
    index.sync([(article.pk, article.tokens)])
    _audit(by, "publish", article, {"status": {"from": before, "to": article.status}})
    return article


@transaction.atomic
def article_withdraw(
    *, by, article: Article, reason: str = "", expected_version: int | None = None
) -> Article:
    """Published → withdrawn: no longer public nor found."""
    article, before = _transition(by, article, "withdraw", expected_version=expected_version)
    article.save(update_fields=["status", "version", "updated_at"])
    _stats_move([article], -1)
    index.remove([article.pk])
    _audit(by, "withdraw", article, {"status": {"from": before, "to": article.status}}, note=reason[:500])
    return article


# --- import --------------------------------------------------------------------------------------

REQUIRED_COLUMNS = ("问题", "答复")
OPTIONAL_COLUMNS = ("分类", "来源", "事项编码", "有效期至")
SOURCE_WORDS = [
    ("12345", Article.Source.HOTLINE),
    ("政策", Article.Source.POLICY),
    ("自建", Article.Source.OWN),
]


@dataclass
class RowOutcome:
    row: int
    outcome: str  # created, updated, unchanged, skipped, error
    message: str = ""
    article_id: int | None = None


@dataclass
class ImportReport:
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def summary(self) -> str:
        return (
            f"新增 {self.count('created')} 条，更新 {self.count('updated')} 条，未变化 {self.count('unchanged')} 条，"
            f"跳过 {self.count('skipped')} 条，有错误 {self.count('error')} 条"
        )


def import_key(source: str, question: str) -> str:
    return hashlib.sha256(f"{source}\x1f{' '.join(question.split())}".encode()).hexdigest()


def _source(value: str) -> str:
    v = value.strip()
    if not v:
        return Article.Source.HOTLINE  # the 12345 export is the shape this import reads
    for word, code in SOURCE_WORDS:
        if word in v:
            return code
    return Article.Source.OTHER


def _read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    from bangban.catalog.xlsx import Limits, WorkbookError, read_workbook

    if len(data) > IMPORT_MAX_BYTES:
        raise ServiceError(
            "too_large", f"「文件」不能超过 {IMPORT_MAX_BYTES // (1024 * 1024)} MB", field="file"
        )
    limits = Limits(max_bytes=IMPORT_MAX_BYTES, max_rows=IMPORT_MAX_ROWS + 20, max_cells=IMPORT_MAX_ROWS * 40)
    try:
        book = read_workbook(data, limits=limits)
    except WorkbookError as exc:
        raise ServiceError(exc.code, f"「文件」{exc.message}", field="file")
    rows = next(iter(book.values()), [])
    header_at = None
    for i, (_number, cells) in enumerate(rows[:10]):
        names = {v.strip() for v in cells.values()}
        if set(REQUIRED_COLUMNS) <= names:
            header_at = i
            break
    if header_at is None:
        raise ServiceError(
            "missing_columns",
            "「文件」第一张工作表应有表头「问题」「答复」（可选：分类、来源、事项编码、有效期至）",
            field="file",
        )
    columns = {
        v.strip(): k
        for k, v in rows[header_at][1].items()
        if v.strip() in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    }
    body = rows[header_at + 1 :]
    if len(body) > IMPORT_MAX_ROWS:
        raise ServiceError(
            "too_many_rows", f"「文件」最多 {IMPORT_MAX_ROWS} 行数据，请分批导入", field="file"
        )
    return [
        (number, {name: cells.get(col, "").strip() for name, col in columns.items()})
        for number, cells in body
    ]


def _row_items(value: str) -> tuple[list[Item], str]:
    codes = [c for c in re.split(r"[\s,，;；、]+", value.upper()) if c]
    if len(codes) > ITEMS_MAX:
        return [], f"「事项编码」最多 {ITEMS_MAX} 个"
    items: list[Item] = []
    for code in codes:
        found = list(Item.objects.filter(implementation_code=code)[:1]) or list(
            Item.objects.filter(basic_code=code).order_by("pk")[:ITEMS_MAX]
        )
        if not found:
            return [], f"「事项编码」{code} 不存在"
        items.extend(i for i in found if i not in items)
    return items[:ITEMS_MAX], ""


def _row_data(cells: dict[str, str]) -> tuple[dict, str]:
    """The article fields for one row, or a message naming the column and the rule."""
    from bangban.catalog.exchange import CellError, parse_date

    question, answer = cells.get("问题", ""), cells.get("答复", "")
    if not question:
        return {}, "「问题」为空"
    if len(" ".join(question.split())) > TITLE_MAX:
        return {}, f"「问题」超过 {TITLE_MAX} 个字"
    if not answer:
        return {}, "「答复」为空"
    if len(answer) > BODY_MAX:
        return {}, f"「答复」超过 {BODY_MAX} 个字"
    tags = cells.get("分类", "")
    if len(tags) > TAGS_MAX:
        return {}, f"「分类」超过 {TAGS_MAX} 个字"
    valid_to = None
    if cells.get("有效期至"):
        try:
            valid_to = parse_date(cells["有效期至"])
        except CellError as exc:
            return {}, f"「有效期至」{exc}"
    items, problem = _row_items(cells.get("事项编码", ""))
    if problem:
        return {}, problem
    data = {
        "kind": Article.Kind.QA,
        "title": question,
        "body": answer,
        "tags": tags,
        "source": _source(cells.get("来源", "")),
        "valid_to": valid_to,
        "items": items,
    }
    try:
        return _clean(data), ""
    except ServiceError as exc:
        return {}, exc.message.replace("标题或问题", "问题").replace("正文或答复", "答复").replace(
            "分类标签", "分类"
        )


@transaction.atomic
def article_import(*, by, data: bytes) -> ImportReport:
    """Rows of a 12345-shaped workbook into articles submitted for review (see the module docstring).
    Imports into one institution run one at a time (its row is locked), so a re-import racing
    another cannot create a question twice."""
    _require_manager(by)
    institution = Institution.objects.select_for_update().get(pk=by.institution_id)
    rows = _read_rows(data)
    report = ImportReport()
    parsed: list[tuple[int, dict, str]] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        if not any(cells.values()):
            continue
        d, problem = _row_data(cells)
        if problem:
            report.rows.append(RowOutcome(number, "error", f"第 {number} 行：{problem}"))
            continue
        key = import_key(d["source"], d["title"])
        if key in seen:
            report.rows.append(
                RowOutcome(number, "skipped", f"第 {number} 行：「问题」与第 {seen[key]} 行重复，已跳过")
            )
            continue
        seen[key] = number
        parsed.append((number, d, key))
    existing = {
        a.import_key: a
        for a in Article.objects.select_for_update().filter(
            institution=institution, import_key__in=list(seen)
        )
    }
    created = []
    for number, d, key in parsed:
        items = d.pop("items")
        article = existing.get(key)
        if article is None:
            article = Article(
                **d, institution=institution, written_by=by, status=workflow.SUBMITTED, import_key=key
            )
            _set_tokens(article)
            article.save()
            if items:
                article.items.set(items)
            created.append(article)
            report.rows.append(RowOutcome(number, "created", f"第 {number} 行：已新增，待审核", article.pk))
            continue
        same = (
            article.body == d["body"]
            and article.tags == d["tags"]
            and article.valid_to == d["valid_to"]
            and sorted(article.items.values_list("pk", flat=True)) == sorted(i.pk for i in items)
        )
        if same:
            report.rows.append(
                RowOutcome(number, "unchanged", f"第 {number} 行：与已有知识相同，未变化", article.pk)
            )
            continue
        if article.status not in (workflow.DRAFT, workflow.SUBMITTED):
            report.rows.append(
                RowOutcome(
                    number,
                    "skipped",
                    f"第 {number} 行：该问题的知识已{article.get_status_display()}，未覆盖；如需修改请先撤回后编辑",
                    article.pk,
                )
            )
            continue
        before = _snapshot(article)
        for k in ("body", "tags", "valid_to"):
            setattr(article, k, d[k])
        article.version += 1
        _set_tokens(article)
        article.save()
        article.items.set(items)
        _audit(by, "update", article, _changes(before, _snapshot(article)), note="导入更新")
        report.rows.append(RowOutcome(number, "updated", f"第 {number} 行：已更新答复", article.pk))
    report.rows.sort(key=lambda r: r.row)
    audit_record(
        actor=by,
        action="knowledge.article.import",
        object_type="knowledge.article",
        object_repr="知识库导入",
        institution=institution,
        changes={"created": [a.pk for a in created][:1000]},
        note=report.summary,
    )
    return report
