"""Reads of the quality indicators: whose figures a user may see, and the figures.

Scope (one definition, used by the page, the API, the exports and the drill-down):
- holders of SUPERVISION_VIEW or CASE_COORDINATE see any institution of their subtree, with the
  figures of that institution's whole subtree;
- everyone else who handles cases (an agent) sees their own institution's figures only;
- anything else is refused, an institution outside the scope as not found.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.utils import timezone

from bangban.accounts.models import User, display_name
from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.catalog.models import Item
from bangban.core.db.rows import placeholders, selection
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.kept import Kept
from bangban.org.models import Department, Institution
from bangban.org.selectors import institution_in_scope
from bangban.supervision import disclosure
from bangban.supervision.indicators import (
    INDICATOR_LIST,
    INDICATORS,
    Indicator,
    figures,
    months_between,
    split_period,
)
from bangban.supervision.models import RollupFact, Target
from bangban.supervision.registry import RecordKind, kind_of_metric

SUBTREE_CAPS = (Cap.SUPERVISION_VIEW, Cap.CASE_COORDINATE)
VIEW_CAPS = (*SUBTREE_CAPS, Cap.CASE_HANDLE)
BY_CHOICES = {
    "institution": "机构",
    "tier": "层级",
    "agent": "帮办代办员",
    "item": "事项",
    "department": "部门",
}
MAX_DAYS = 3 * 366 + 1  # a range longer than three years is refused


def may_view(user) -> bool:
    return any(has_cap(user, c) for c in VIEW_CAPS)


def sees_subtree(user) -> bool:
    return any(has_cap(user, c) for c in SUBTREE_CAPS)


def scope_institutions(*, user, root: Institution | None) -> tuple[Institution, list[Institution]]:
    """(root, the institutions whose figures count under it for `user`)."""
    if not may_view(user):
        raise AccessRefused("capability_required", "您的角色无权查看质量指标")
    root = root or user.institution
    if root is None or not institution_in_scope(user, root):
        raise NotInScope(target=root)
    if not sees_subtree(user):
        if root.pk != user.institution_id:
            raise NotInScope(target=root)
        return root, [root]
    return root, subtree(root.path)


def _fetch(sql: str, params) -> list[tuple]:
    """Rows of a fixed statement. The reads of an indicator request are written as SQL (and their
    rows built into objects here): compiling the ORM's querysets cost more than the database's work."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _institutions(where: str, params) -> list[Institution]:
    """Institutions with their id, name, tier and path (core.db.rows), in path order."""
    sel = selection(Institution, "i", ("name", "tier", "path"))
    rows = _fetch(
        f"SELECT {sel.sql} FROM {Institution._meta.db_table} i WHERE {where} ORDER BY i.path", params
    )
    return [sel.instance(row) for row in rows]


def subtree(path: str) -> list[Institution]:
    """The institutions whose path starts with `path` (ids and slashes only: nothing to escape in
    LIKE), in path order, with their id, name, tier and path."""
    return _institutions("i.path LIKE %s", [path + "%"])


def institution_or_none(pk: int) -> Institution | None:
    """The institution `pk` (id, name, tier and path loaded), None if there is none."""
    found = _institutions("i.id = %s", [pk])
    return found[0] if found else None


def check_period(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise ServiceError("invalid", "开始日期不能晚于结束日期", field="start")
    if (end - start).days >= MAX_DAYS:
        raise ServiceError("invalid", "统计期间不能超过三年", field="end")


class Cell:
    """One indicator's figures: numerator, denominator, the rate and how it shows against the target.
    A plain slotted class, each value computed once when made: an answer grouped by agent or item has
    thousands of cells, and a frozen dataclass's cached properties cost more than the figures."""

    __slots__ = ("indicator", "num", "den", "target", "wired", "rate", "display", "below")

    def __init__(self, indicator: Indicator, num: int | None, den: int | None, target: Decimal, wired: bool):
        self.indicator, self.num, self.den, self.target = indicator, num, den, target
        self.wired = wired  # the indicator's records are counted (its app is wired in)
        self.rate: Decimal | None
        self.display: str
        self.below: bool
        self.rate, self.display, self.below = figures(num, den, target, indicator.higher_is_better)

    @property
    def missed(self) -> int | None:
        return None if self.num is None or self.den is None else self.den - self.num

    def _key(self) -> tuple:
        return (self.indicator, self.num, self.den, self.target, self.wired)

    def __eq__(self, other):
        return self._key() == other._key() if isinstance(other, Cell) else NotImplemented

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"Cell({self.indicator.code}, {self.num}/{self.den}, target {self.target})"


@dataclass
class Row:
    key: int | str | None
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class IndicatorSet:
    root: Institution
    start: dt.date
    end: dt.date
    by: str | None
    total: Row
    rows: list[Row]
    targets: dict[str, Decimal]
    members: list[Institution] = field(default_factory=list)


def _read_targets(_previous) -> dict[int | None, list[tuple[str, Decimal]]]:
    """{institution id (None: the default for everyone): [(indicator, target)]}, all of them."""
    sel = selection(Target, "t", ("indicator", "institution_id", "value"))  # the field's own Decimal
    out: dict[int | None, list[tuple[str, Decimal]]] = {}
    for t in map(sel.instance, _fetch(f"SELECT {sel.sql} FROM {Target._meta.db_table} t", [])):
        out.setdefault(t.institution_id, []).append((t.indicator, t.value))
    return out


# This process's copy of the targets (a few rows per institution that sets its own, changed by hand):
# read again after TARGETS_SECONDS, at once after this process's own change (apps.py: post_save and
# post_delete of Target). Every indicator request read them, a query of its own.
TARGETS_SECONDS = 1.0
kept_targets = Kept(_read_targets, TARGETS_SECONDS)


def targets_for(root: Institution) -> dict[str, Decimal]:
    """Each indicator's target for `root`: set for the nearest of root and its ancestors, else the
    default set for everyone, else the registry's default."""
    chain = [None, *(int(p) for p in root.path.strip("/").split("/") if p)]  # farthest first
    by_institution = kept_targets.get()
    best: dict[str, Decimal] = {}
    for institution_id in chain:  # a nearer one overrides
        for indicator, value in by_institution.get(institution_id, ()):
            best[indicator] = value
    return {i.code: best.get(i.code, i.default_target) for i in INDICATOR_LIST}


def _wiring() -> dict[str, bool]:
    """{counted indicator: its records are counted (a record kind writes its denominator)}."""
    return {i.code: kind_of_metric(i.denominator) is not None for i in INDICATOR_LIST if not i.live}


def _cells(counts: dict[str, int], targets, live: tuple[int, int] | None, wiring=None) -> dict[str, Cell]:
    """Every indicator's cell for `counts` (metric → n) and the live figure; `wiring` (_wiring()) once
    per answer, not per row."""
    wiring = _wiring() if wiring is None else wiring
    out = {}
    for ind in INDICATOR_LIST:
        if ind.live:
            num, den = live if live is not None else (None, None)
            out[ind.code] = Cell(ind, num, den, targets[ind.code], wired=live is not None)
        else:
            out[ind.code] = Cell(
                ind, counts.get(ind.numerator, 0), counts.get(ind.denominator, 0), targets[ind.code],
                wiring[ind.code],
            )  # fmt: skip
    return out


def _fact_rows(ids: list[int], start: dt.date, end: dt.date, group: str | None):
    """(metric[, group key], sum) rows over the rollup counters, to be summed by the caller: the
    institution totals, or the per-agent or per-item cut, for each of the period's ranges (its whole
    months and the days at either end) — one UNION ALL of index range scans."""
    dim = {None: "t", "institution_id": "t", "agent_id": "a", "item_id": "i"}[group]
    columns = {None: ("metric",), "institution_id": ("metric", "institution_id")}.get(
        group, ("metric", "key")
    )
    return _ranges(ids, start, end, dim, columns)


@lru_cache(maxsize=256)
def _ranges_sql(columns: tuple[str, ...], parts: int, ids: int) -> str:
    """The statement of _ranges (written once per shape: the ORM compiled the union at every request,
    which cost more than the database's work): the parts' rows summed by `columns` in the database,
    one row per group whatever the number of parts. Every metric in the counters is an indicator's."""
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c in columns)
    one = (
        f"SELECT {names}, n FROM {q(RollupFact._meta.db_table)} WHERE dim = %s AND grain = %s "
        f"AND institution_id IN ({placeholders(ids)}) AND {q('start')} >= %s AND {q('start')} <= %s"
    )
    return f"SELECT {names}, SUM(n) FROM ({' UNION ALL '.join([one] * parts)}) parts GROUP BY {names}"


def _ranges(
    ids: list[int], start: dt.date, end: dt.date, dim: str, columns: tuple[str, ...], coarsest: str = "y"
) -> list[tuple]:
    """(*columns, sum of n) over the rollup counters of `ids` for start–end in the `dim` cut, one row
    per value of `columns`: one statement, a part for each of the period's ranges of one grain
    (split_period: whole years, quarters, months, the days at the ends; none coarser than `coarsest`)."""
    if not ids:
        return []
    parts = split_period(start, end, coarsest)
    params: list = []
    for grain, lo, hi in parts:
        params += [dim, grain, *ids, lo, hi]
    # The counters' reads go where the router sends them (a read replica, when configured: core.dbrouter).
    with connections[router.db_for_read(RollupFact) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_ranges_sql(columns, len(parts), len(ids)), params)
        return cursor.fetchall()


def disclosure_counts(ids: list[int], on: dt.date, group: str | None) -> dict:
    """信息公开率, live: {group key: (complete, offered)} over the listing entries of `ids` whose
    item has a published, not suspended version in force on `on` (group: None, "institution_id"
    or "item_id"). The catalog's one rule (catalog.elements.guide_missing) is stored on each version
    when it is written; published versions are frozen, so the stored flag never goes stale. Answered
    from the process's snapshot of the catalog (supervision.disclosure)."""
    return disclosure.counts(ids, on, group)


def indicator_set(
    *, user, root_institution: Institution | None, start: dt.date, end: dt.date, by: str | None = None
) -> IndicatorSet:
    """Every indicator for `root_institution`'s figures (scope above) over start–end (dates, both
    included), in total and, with `by`, per institution (its own figures), tier, agent, item or
    department (of the item). One query over the daily counters, one for the live 信息公开率."""
    if by is not None and by not in BY_CHOICES:
        raise ServiceError("invalid", "分组方式只能是机构、层级、帮办代办员、事项或部门", field="by")
    check_period(start, end)
    root, members = scope_institutions(user=user, root=root_institution)
    ids = [i.pk for i in members]
    targets = targets_for(root)
    group = {"institution": "institution_id", "tier": "institution_id", "agent": "agent_id"}.get(
        by, "item_id" if by in ("item", "department") else None
    )
    on = min(end, timezone.localdate())
    live_group = {"institution": "institution_id", "tier": "institution_id", "item": "item_id"}.get(
        by, "item_id" if by == "department" else None
    )
    total_counts: dict[str, int] = {}
    grouped: dict = {}
    if group:  # one row per (metric, group key): the parts are summed in the database
        for metric, key, n in _fact_rows(ids, start, end, group):
            total_counts[metric] = total_counts.get(metric, 0) + n
            bucket = grouped.get(key)
            if bucket is None:
                bucket = grouped[key] = {}
            bucket[metric] = n
    else:
        total_counts = dict(_fact_rows(ids, start, end, None))  # one row per metric
    live = disclosure_counts(ids, on, live_group)
    live_total = (sum(v[0] for v in live.values()), sum(v[1] for v in live.values()))
    wiring = _wiring()
    total = Row(None, root.name, _cells(total_counts, targets, live_total, wiring))
    rows = _group_rows(by, grouped, live, members, targets, wiring) if by else []
    return IndicatorSet(root, start, end, by, total, rows, targets, members)


def tier_rows(figures: IndicatorSet) -> list[Row]:
    """The per-tier rows of a set grouped by institution (the same sums indicator_set(by="tier")
    gives), without asking the database again."""
    if figures.by != "institution":
        raise ValueError("tier_rows needs a set grouped by institution")
    tier_of = {i.pk: i.tier for i in figures.members}
    sums: dict[int, dict[str, tuple]] = {}
    for row in figures.rows:
        bucket = sums.setdefault(tier_of[row.key], {})
        for code, cell in row.cells.items():
            num, den = bucket.get(code, (0, 0))
            bucket[code] = (num + (cell.num or 0), den + (cell.den or 0))
    labels = dict(Institution.Tier.choices)
    out = []
    for tier in sorted(sums):
        cells = {}
        for code, cell in figures.total.cells.items():
            num, den = sums[tier][code]
            cells[code] = Cell(cell.indicator, num, den, cell.target, cell.wired)
        out.append(Row(tier, labels[tier], cells))
    return out


def _fold(mapping: dict, keys: dict) -> dict:
    """Sum the per-key counts of `mapping` into the buckets `keys` maps them to."""
    out: dict = {}
    for key, counts in mapping.items():
        bucket = out.setdefault(keys.get(key, 0), {})
        for metric, n in counts.items():
            bucket[metric] = bucket.get(metric, 0) + n
    return out


def _fold_live(live: dict, keys: dict) -> dict:
    out: dict = {}
    for key, (num, den) in live.items():
        b = keys.get(key, 0)
        n0, d0 = out.get(b, (0, 0))
        out[b] = (n0 + num, d0 + den)
    return out


def _group_rows(by, grouped, live, members, targets, wiring) -> list[Row]:
    if by == "institution":
        labels = {i.pk: i.name for i in members}
        keys = [i.pk for i in members]
        live_for = live
    elif by == "tier":
        tier_of = {i.pk: i.tier for i in members}
        grouped, live_for = _fold(grouped, tier_of), _fold_live(live, tier_of)
        labels = dict(Institution.Tier.choices)
        keys = sorted({i.tier for i in members})
    elif by == "agent":
        people = [k for k in grouped if k]
        rows = (
            _fetch(
                f"SELECT id, full_name, username FROM {User._meta.db_table} WHERE id IN ({placeholders(len(people))})",
                people,
            )
            if people
            else []
        )
        labels = {pk: display_name(full, username) for pk, full, username in rows} | {0: "（未指定）"}
        keys = sorted(grouped, key=lambda k: labels.get(k, ""))
        live_for = None
    else:  # item, department
        item_ids = sorted(k for k in set(grouped) | set(live) if k)
        items = (
            _fetch(
                f"SELECT id, name, department_id FROM {Item._meta.db_table} WHERE id IN ({placeholders(len(item_ids))})",
                item_ids,
            )
            if item_ids
            else []
        )
        if by == "item":
            labels = {pk: name for pk, name, _ in items} | {0: "（无事项）"}
            live_for = live
        else:
            dept_of = {pk: department_id or 0 for pk, _, department_id in items}
            grouped, live_for = _fold(grouped, dept_of), _fold_live(live, dept_of)
            departments = sorted(d for d in set(dept_of.values()) if d)
            names = (
                _fetch(
                    f"SELECT id, name FROM {Department._meta.db_table} WHERE id IN ({placeholders(len(departments))})",
                    departments,
                )
                if departments
                else []
            )
            labels = dict(names) | {0: "（未指定部门）"}
        keys = sorted(set(grouped) | set(live_for), key=lambda k: labels.get(k, ""))
    rows = []
    for key in keys:
        live_cell = None if live_for is None else live_for.get(key, (0, 0))
        rows.append(
            Row(key, labels.get(key, str(key)), _cells(grouped.get(key, {}), targets, live_cell, wiring))
        )
    return rows


def indicator_trend(*, user, root_institution, start: dt.date, end: dt.date) -> list[tuple[str, dict]]:
    """[(“2026-03”, {code: Cell}), …]: each month of the range (the counted indicators)."""
    check_period(start, end)
    root, members = scope_institutions(user=user, root=root_institution)
    return trend_of([i.pk for i in members], targets_for(root), start, end)


def trend_of(ids: list[int], targets: dict, start: dt.date, end: dt.date) -> list[tuple[str, dict]]:
    """The trend for institutions already scope-checked (an IndicatorSet's members and targets)."""
    by_month: dict[str, dict[str, int]] = {}
    rows = _ranges(ids, start, end, "t", ("metric", "start"), coarsest="m")
    for metric, day, n in rows:  # a month's row or a day's: either way its month is day's
        counts = by_month.setdefault(f"{day:%Y-%m}", {})
        counts[metric] = counts.get(metric, 0) + n
    wiring = _wiring()
    return [
        (f"{m:%Y-%m}", _cells(by_month.get(f"{m:%Y-%m}", {}), targets, None, wiring))
        for m, _ in months_between(start, end)
    ]


# --- drill-down: the records behind a number ---------------------------------------------------

DRILL_PARTS = {"num": "分子", "den": "分母", "missed": "未达标"}
DRILL_LIMIT = 500


@dataclass
class Drill:
    indicator: Indicator
    part: str
    kind: RecordKind
    rows: list  # [(link, [(header, value)])] of the most recent DRILL_LIMIT records, newest first
    count: int  # all of them

    @property
    def headers(self) -> tuple[str, ...]:
        return self.kind.drill.headers


def drill_kind(indicator: Indicator) -> RecordKind | None:
    """The record kind whose records are behind a counted indicator (None: no drill-down)."""
    if indicator.live:
        return None
    kind = kind_of_metric(indicator.denominator)
    return kind if kind is not None and kind.drill is not None else None


def _drill_key_of(by: str | None, members: list[Institution]):
    """fact → the group key the indicator set puts it under (None: no grouping)."""
    if by in (None, ""):
        return None
    if by == "institution":
        return lambda f: f.institution_id
    if by == "tier":
        tiers = {i.pk: i.tier for i in members}
        return lambda f: tiers.get(f.institution_id)
    if by == "agent":
        return lambda f: f.agent_id
    if by == "item":
        return lambda f: f.item_id
    if by == "department":
        dept = dict(Item.objects.values_list("id", "department_id"))
        return lambda f: dept.get(f.item_id) or 0
    raise ServiceError("invalid", "分组方式只能是机构、层级、帮办代办员、事项或部门", field="by")


def drill_records(
    *,
    user,
    root_institution: Institution | None,
    indicator: str,
    part: str,
    start: dt.date,
    end: dt.date,
    by: str | None = None,
    key: int | None = None,
) -> Drill:
    """The records behind a counted indicator's numerator, denominator or misses for the same scope,
    period and group as `indicator_set`: the indicator's record kind (registry) supplies the
    candidates with their facts from the classifier the counters use, and a record counts when a
    fact of the metric lies in the period and the group — so the count here equals the figure there."""
    ind = INDICATORS.get(indicator)
    kind = drill_kind(ind) if ind is not None else None
    if kind is None:
        raise ServiceError("invalid", "该指标没有可查看的明细", field="indicator")
    if part not in DRILL_PARTS:
        raise ServiceError("invalid", "明细只能是分子、分母或未达标", field="part")
    check_period(start, end)
    root, members = scope_institutions(user=user, root=root_institution)
    group_of = _drill_key_of(by, members)
    latest: deque = deque(maxlen=DRILL_LIMIT)
    count = 0
    for record, fs in kind.drill.candidates([i.pk for i in members], start, end):
        mine = {f.metric for f in fs if start <= f.day <= end and (group_of is None or group_of(f) == key)}
        in_den, in_num = ind.denominator in mine, ind.numerator in mine
        if (
            (part == "num" and in_num)
            or (part == "den" and in_den)
            or (part == "missed" and in_den and not in_num)
        ):
            count += 1
            latest.append(record)
    headers = kind.drill.headers
    rows = []
    for record in reversed(latest):
        link, cells = kind.drill.row(record)
        rows.append((link, list(zip(headers, cells, strict=True))))
    return Drill(ind, part, kind, rows, count)


# --- per agent, for other apps (the monthly assessment) ---------------------------------------


def agent_counts(ids: list[int], start: dt.date, end: dt.date) -> dict[tuple[int, int], dict[str, int]]:
    """{(institution id, agent id): {metric: n}} over start–end for institutions already
    scope-checked by the caller: the same rollup counters (per-agent cut) the indicator set reads."""
    out: dict[tuple[int, int], dict[str, int]] = {}
    for metric, institution_id, agent_id, n in _ranges(
        ids, start, end, "a", ("metric", "institution_id", "key")
    ):
        bucket = out.setdefault((institution_id, agent_id), {})
        bucket[metric] = bucket.get(metric, 0) + n
    return out


def cells_of(counts: dict[str, int], targets: dict[str, Decimal]) -> dict[str, Cell]:
    """The counted indicators' cells for `counts` (the live 信息公开率 has no per-agent figure)."""
    return {code: cell for code, cell in _cells(counts, targets, None).items() if not cell.indicator.live}
