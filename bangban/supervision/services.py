"""Writes of the supervision app: recomputing the counters, setting indicator targets."""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation

from django.db import DEFAULT_DB_ALIAS as DEFAULT_DB
from django.db import connection, transaction
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.core.errors import NotInScope, ServiceError
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope
from bangban.supervision import facts
from bangban.supervision.indicators import INDICATORS
from bangban.supervision.models import DailyFact, RollupFact, Target
from bangban.supervision.registry import KINDS

PROGRESS_EVERY = 50_000  # records between two progress lines
APPLY_ROWS = 20_000  # counter rows corrected per transaction


def _kind_totals(kind, progress=None) -> dict[facts.Key, int]:
    """One kind's counters as its classifier gives them from the raw rows (nothing written)."""
    totals: dict[facts.Key, int] = {}
    get, key = totals.get, facts._key
    started, done = time.monotonic(), 0
    for record_facts in kind.all_facts():
        for f in record_facts:
            k = key(f)
            totals[k] = get(k, 0) + 1
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(f"{kind.label}：已读取 {done:,} 条（{time.monotonic() - started:.0f} 秒）")
    if progress:
        progress(
            f"{kind.label}：共 {done:,} 条记录，{len(totals):,} 个计数（{time.monotonic() - started:.0f} 秒）"
        )
    return totals


def recomputed_counts(kinds=None) -> dict[facts.Key, int]:
    """The counters as the classifiers give them from the raw rows (nothing written)."""
    totals: dict[facts.Key, int] = {}
    for kind in kinds or KINDS.values():
        totals.update(_kind_totals(kind))  # each kind has its own metrics: no key in two kinds
    return totals


def _drift(wanted: dict, model, fields: tuple[str, ...], metrics) -> dict:
    """What to add to the counters of `metrics` in `model` so that they read `wanted` (no zeros).
    `wanted` becomes the result (no copy: at a million records it holds millions of counters)."""
    delta = wanted
    # From the primary, in the snapshot's transaction: the router sends counter reads to a replica.
    rows = (
        model.objects.using(DEFAULT_DB)
        .filter(metric__in=list(metrics))
        .exclude(n=0)
        .values_list(*fields, "n")
    )
    for *k, n in rows.iterator(chunk_size=20_000):
        k = tuple(k)
        delta[k] = delta.get(k, 0) - n
    for k in [k for k, n in delta.items() if not n]:
        del delta[k]
    return delta


DAILY_FIELDS = ("institution_id", "day", "metric", "agent_id", "item_id")
ROLLUP_FIELDS = ("institution_id", "dim", "grain", "start", "metric", "key")
# The temporary tables the corrections are copied into on PostgreSQL, then added in key order (the
# services' order: "C" sorts the codes like Python, so the two never lock counters in opposite order).
_COPY_TARGETS = {
    "supervision_dailyfact": (
        "institution_id integer, day date, metric varchar(40), agent_id integer, item_id integer, n integer",
        'institution_id, day, metric COLLATE "C", agent_id, item_id',
        "institution_id, day, metric, agent_id, item_id",
    ),
    "supervision_rollupfact": (
        "institution_id integer, dim varchar(1), grain varchar(1), start date, metric varchar(40), "
        "key integer, n integer",
        'institution_id, dim COLLATE "C", grain COLLATE "C", start, metric COLLATE "C", key',
        "dim, grain, institution_id, start, metric, key",
    ),
}


def _add(table: str, upsert_sql: str, delta: dict, *, rows_per_transaction: int) -> None:
    """Add `delta` to the counters of `table`, in key order, `rows_per_transaction` at a time, each
    part its own transaction: an addition commutes with the services' own, so a writer waits at most
    for one part, never for the whole rebuild. PostgreSQL: COPY into a temporary table, one upsert."""
    items = sorted(delta.items())
    for start in range(0, len(items), rows_per_transaction):
        part = dict(items[start : start + rows_per_transaction])
        with transaction.atomic():
            if connection.vendor != "postgresql":
                facts._upsert(upsert_sql, part)
                continue
            columns, order, conflict = _COPY_TARGETS[table]
            names = ", ".join(c.split()[0] for c in columns.split(", "))
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE supervision_part ({columns}) ON COMMIT DROP")
                with cursor.cursor.copy(f"COPY supervision_part ({names}) FROM STDIN") as copy:
                    for k, n in part.items():
                        copy.write_row((*k, n))
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT {names} FROM supervision_part ORDER BY {order} "
                    f"ON CONFLICT ({conflict}) DO UPDATE SET n = {table}.n + excluded.n"
                )
                cursor.execute("DROP TABLE supervision_part")  # inside a caller's transaction too


def _snapshot_drift(kind, progress) -> tuple[int, dict, dict]:
    """(the kind's number of counters, the corrections of its daily counters, of its rollups), read
    from the raw rows and the counters as of one instant."""
    totals = _kind_totals(kind, progress)
    n, rolled = len(totals), facts.rollup(totals)
    daily = _drift(totals, DailyFact, DAILY_FIELDS, kind.metrics)
    return n, daily, _drift(rolled, RollupFact, ROLLUP_FIELDS, kind.metrics)


def facts_recompute(*, batch: int = APPLY_ROWS, progress=None) -> int:
    """Rebuild every registered kind's counters from the raw rows; returns the number of counter rows.
    `progress(message)`, when given, is called as it goes (the command prints it).

    Kind by kind, without blocking the services. On PostgreSQL the kind's raw rows and its counters
    are read in one REPEATABLE READ (read-only) transaction: one snapshot, no lock a writer waits for.
    A service changes a record and adds the difference of its facts to the counters in the same
    transaction, so in any snapshot the counters are off from the classifiers' figures by the error
    that was there before (rows written around the services, a former bug), and by nothing a service
    did. That error, computed at the snapshot, is then added to the counters as they are now (in
    parts, each a short transaction adding in key order, like a service): what the services added
    since stays, and nothing is counted twice or lost. Counters brought to 0 are deleted at the end.

    Called inside a transaction (no snapshot of its own to take), on PostgreSQL it locks the counter
    tables EXCLUSIVE first (reads go on, writes wait) and does it all in that transaction.
    """
    kinds = list(KINDS.values())
    if connection.in_atomic_block or connection.vendor != "postgresql":
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "LOCK TABLE supervision_dailyfact, supervision_rollupfact IN EXCLUSIVE MODE"
                    )
            return _recompute(kinds, progress, batch, snapshot=False)
    return _recompute(kinds, progress, batch, snapshot=True)


def _recompute(kinds, progress, batch: int, *, snapshot: bool) -> int:
    say = progress or (lambda message: None)
    rows = 0
    for kind in kinds:
        started = time.monotonic()
        if snapshot:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                n, daily, rolled = _snapshot_drift(kind, progress)
        else:
            n, daily, rolled = _snapshot_drift(kind, progress)
        rows += n
        _add("supervision_dailyfact", facts.UPSERT, daily, rows_per_transaction=batch)
        _add("supervision_rollupfact", facts.ROLLUP_UPSERT, rolled, rows_per_transaction=batch)
        say(
            f"{kind.label}：修正日计数 {len(daily):,} 个、汇总计数 {len(rolled):,} 个"
            f"（共 {time.monotonic() - started:.0f} 秒）"
        )
    metrics = [m for k in kinds for m in k.metrics]
    with transaction.atomic():
        DailyFact.objects.filter(metric__in=metrics, n=0).delete()
        RollupFact.objects.filter(metric__in=metrics, n=0).delete()
        audit_record(actor=None, action="supervision.facts.recompute", note=f"{rows} 条计数")
    return rows


def maintained_rollup(metrics=None) -> dict[facts.RollupKey, int]:
    qs = RollupFact.objects.exclude(n=0)
    if metrics is not None:
        qs = qs.filter(metric__in=list(metrics))
    return {(r.institution_id, r.dim, r.grain, r.start, r.metric, r.key): r.n for r in qs}


def maintained_counts(metrics=None) -> dict[facts.Key, int]:
    qs = DailyFact.objects.exclude(n=0)
    if metrics is not None:
        qs = qs.filter(metric__in=list(metrics))
    return {
        (r.institution_id, r.day, r.metric, r.agent_id, r.item_id): r.n
        for r in qs.only("institution_id", "day", "metric", "agent_id", "item_id", "n")
    }


MAX_TARGET = Decimal("100")


@transaction.atomic
def target_set(*, by, indicator: str, value, institution: Institution | None = None) -> Target:
    """Set an indicator's target (%), for everyone (institution None) or for one institution's
    subtree. Only SUPERVISION_ISSUE, within their scope; a default target needs a user whose scope
    is the whole tree (no institution above them)."""
    require_cap(by, Cap.SUPERVISION_ISSUE, "您的角色不能设置指标目标")
    if indicator not in INDICATORS:
        raise ServiceError("invalid", "指标不存在", field="indicator")
    try:
        value = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError("invalid", "目标值须为 0 到 100 之间的数字", field="value") from None
    if not (Decimal(0) <= value <= MAX_TARGET):
        raise ServiceError("invalid", "目标值须为 0 到 100 之间的数字", field="value")
    if institution is not None:
        if not institution_in_scope(by, institution):
            raise NotInScope(target=institution)
    elif by.institution is None or by.institution.parent_id is not None:
        raise ServiceError(
            "invalid", "只有最上级机构的监督员可以设置全局目标，请选择适用机构", field="institution"
        )
    default = INDICATORS[indicator].default_target
    # Created once (the unique constraints; get_or_create re-reads after a concurrent insert), then
    # locked, so two supervisors setting it at once are applied one after the other.
    Target.objects.get_or_create(indicator=indicator, institution=institution, defaults={"value": default})
    target = Target.objects.select_for_update().get(indicator=indicator, institution=institution)
    before = str(target.value)
    target.value, target.updated_by, target.updated_at = value, by, timezone.now()
    target.save()
    audit_record(
        actor=by,
        action="supervision.target.set",
        target=target,
        institution=institution or by.institution,
        changes={"value": {"before": before, "after": str(value)}},
        note=INDICATORS[indicator].name,
    )
    return target
