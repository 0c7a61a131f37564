"""The tamper-evident audit chain: sealing committed rows and verifying the chain.

Requests insert audit rows unsealed (`seal_seq`, `seal_hash` NULL), so they never wait on each
other for the chain. The sealer (`seal_pending`) takes the one chain-head row's lock, reads the
unsealed rows in id order in short batches, gives each the next chain position and
HMAC-SM3(key, previous hash ‖ canonical content), and moves the head. The key lives outside the
database (settings.BANGBAN_AUDIT_KEY), so whoever can rewrite rows (a table owner who disables the
triggers) cannot recompute the hashes; `verify` recomputes them and names the first broken link.

The chain position is the sealing order, not the id: PostgreSQL hands out ids before commit, so a
row with a smaller id may commit after a larger one has been sealed; it is simply sealed in the
next batch at the next position. Nothing is ever skipped and no safety window is needed; a row is
unsealed from its commit until the next seal run (docs/deployment-database.md states the window).
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from bangban.audit.models import AuditChainHead, AuditEvent

log = logging.getLogger(__name__)

# Canonical content of a row: every column but the chain's own. A new AuditEvent column must be
# added here (a test compares this list with the model), under a new CANON_VERSION if it would
# change the content of rows already sealed.
CHAIN_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "institution_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "note",
    "ip",
    "user_agent",
    "path",
)
CANON_VERSION = "v1"
GENESIS = "0" * 64
SEAL_BATCH = 500


def audit_key() -> bytes:
    """The chain key: BANGBAN_AUDIT_KEY, or (development only) one derived from SECRET_KEY."""
    configured = getattr(settings, "BANGBAN_AUDIT_KEY", "")
    if configured:
        return configured.encode()
    h = hmac.HMAC(settings.SECRET_KEY.encode(), hashes.SM3())
    h.update(b"bangban audit chain key")
    return h.finalize()


def _value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value


def canonical(row: dict, seq: int) -> bytes:
    """The bytes a row's hash covers: its position and every content column, as sorted JSON."""
    content = [CANON_VERSION, seq, *(_value(row[name]) for name in CHAIN_FIELDS)]
    return json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


def link_hash(key: bytes, prev_hash: str, row: dict, seq: int) -> str:
    h = hmac.HMAC(key, hashes.SM3())
    h.update(prev_hash.encode("ascii"))
    h.update(b"\n")
    h.update(canonical(row, seq))
    return h.finalize().hex()


def _lock_head(*, wait: bool) -> AuditChainHead | None:
    head = AuditChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
    if head is None and not AuditChainHead.objects.filter(pk=1).exists():
        # First run on an empty database (or after a test flush): start the chain.
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1, seq=0, hash=GENESIS)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
    return head


def _head_holds(key: bytes, head: AuditChainHead) -> bool:
    """The last sealed row verifies with this key against its predecessor and matches the head."""
    if head.seq == 0:
        return head.hash == GENESIS
    last = AuditEvent.objects.filter(seal_seq=head.seq).values(*CHAIN_FIELDS, "seal_hash").first()
    if last is None or last["seal_hash"] != head.hash:
        return False
    prev = (
        AuditEvent.objects.filter(seal_seq=head.seq - 1).values_list("seal_hash", flat=True).first()
        if head.seq > 1
        else GENESIS
    )
    return prev is not None and link_hash(key, prev, last, head.seq) == head.hash


def seal_batch(*, batch: int = SEAL_BATCH, wait: bool = True) -> int:
    """Seal up to `batch` committed unsealed rows, in id order; the number sealed.

    With wait=False a run that finds another sealer holding the head returns 0 at once (that
    sealer will pick the rows up)."""
    key = audit_key()
    with transaction.atomic():
        head = _lock_head(wait=wait)
        if head is None:
            return 0
        rows = list(
            AuditEvent.objects.filter(seal_seq__isnull=True).order_by("id").values(*CHAIN_FIELDS)[:batch]
        )
        if not rows:
            return 0
        if not _head_holds(key, head):
            # Another key (a misconfigured server) or a changed chain end: extending the chain would
            # bury the break under rows that verify; leave the rows unsealed, the verifier shows both.
            log.error(
                "audit chain not sealed: the chain head does not verify with this key (run audit_verify)"
            )
            return 0
        seq, prev = head.seq, head.hash
        updates = []
        for row in rows:
            seq += 1
            prev = link_hash(key, prev, row, seq)
            updates.append((seq, prev, row["id"]))
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one statement for the batch, not a round trip a row
                seqs, hashes_, ids = zip(*updates, strict=True)
                cursor.execute(
                    f"UPDATE {table} AS a SET seal_seq = v.seq, seal_hash = v.hash "
                    "FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS v(seq, hash, id) "
                    "WHERE a.id = v.id AND a.seal_seq IS NULL",
                    [list(seqs), list(hashes_), list(ids)],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET seal_seq = %s, seal_hash = %s WHERE id = %s AND seal_seq IS NULL",
                    updates,
                )
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev, sealed_at=timezone.now())
    # The head, in the application log too: an anchor outside the database for the chain's end.
    log.info("audit chain sealed %d rows; head %d %s", len(rows), seq, prev)
    return len(rows)


def seal_pending(*, batch: int = SEAL_BATCH, wait: bool = True, max_batches: int | None = None) -> int:
    """Seal every committed unsealed row (batch by batch, each its own short transaction)."""
    total, batches = 0, 0
    while max_batches is None or batches < max_batches:
        sealed = seal_batch(batch=batch, wait=wait)
        total += sealed
        batches += 1
        if sealed < batch:
            break
    return total


def seal_after_commit() -> None:
    try:
        seal_pending(max_batches=20)
    except Exception:  # rows stay unsealed until the next run; the request has succeeded
        log.exception("sealing the audit chain failed")


def seal_soon() -> None:
    """Called where audit rows are written: in the embedded mode (BANGBAN_AUDIT_SEAL=commit), seal
    right after the transaction commits, once per transaction. With beat, the periodic task does it."""
    if getattr(settings, "BANGBAN_AUDIT_SEAL", "commit") != "commit":
        return
    if not connection.in_atomic_block:
        return  # autocommit: the caller seals after its insert (audit_record)
    here = set(connection.savepoint_ids)  # once per savepoint: a rolled-back one drops its callbacks
    if any(func is seal_after_commit and sids == here for sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(seal_after_commit)


@dataclass
class Break:
    id: int | None
    at: datetime.datetime | None
    seq: int | None
    check: str  # stable code: gap, hash, head
    message: str


@dataclass
class Report:
    checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    first_break: Break | None = None
    unsealed: int = 0
    oldest_unsealed_at: datetime.datetime | None = None
    verified_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def ok(self) -> bool:
        return self.first_break is None

    @property
    def oldest_unsealed_age(self) -> datetime.timedelta | None:
        return self.verified_at - self.oldest_unsealed_at if self.oldest_unsealed_at else None


def verify(*, chunk: int = 2000) -> Report:
    """Walk the sealed rows in chain order, recompute each hash; report the first broken link and
    the rows not yet sealed."""
    key = audit_key()
    report = Report()
    # The head first: rows it covers were committed with it, so a seal running meanwhile adds
    # only rows past it, which this run leaves for the next.
    head = AuditChainHead.objects.filter(pk=1).first()
    sealed = AuditEvent.objects.filter(seal_seq__isnull=False)
    if head is not None:
        report.head_seq, report.head_hash = head.seq, head.hash
        sealed = sealed.filter(seal_seq__lte=head.seq)
    prev, expected = GENESIS, 1
    rows = (
        sealed.order_by("seal_seq").values(*CHAIN_FIELDS, "seal_seq", "seal_hash").iterator(chunk_size=chunk)
    )
    for row in rows:
        seq = row["seal_seq"]
        if seq != expected:
            missing = f"第 {expected} 条" if seq == expected + 1 else f"第 {expected}–{seq - 1} 条"
            report.first_break = Break(
                row["id"], row["at"], seq, "gap", f"链中缺少{missing}记录（记录被删除，或被改回未封存）"
            )
            break
        if link_hash(key, prev, row, seq) != row["seal_hash"]:
            report.first_break = Break(
                row["id"], row["at"], seq, "hash", "摘要不符：这条记录的内容或封存摘要在封存后被改动"
            )
            break
        prev, expected = row["seal_hash"], expected + 1
        report.checked += 1
    last = expected - 1
    if report.first_break is None and (head.seq != last or head.hash != prev if head else last):
        tail = AuditEvent.objects.filter(seal_seq=last).values("id", "at").first() or {}
        report.first_break = Break(
            tail.get("id"),
            tail.get("at"),
            last,
            "head",
            "链尾与链头不符：链尾的记录被删除，或链头被改动",
        )
    pending = AuditEvent.objects.filter(seal_seq__isnull=True).aggregate(n=Count("id"), oldest=Min("at"))
    report.unsealed, report.oldest_unsealed_at = pending["n"], pending["oldest"]
    return report
