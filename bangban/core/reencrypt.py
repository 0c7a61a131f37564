"""Bring every encrypted value of a table under the newest key and its lookup hash up to date.

Used by `bangban reencrypt` (after a key rotation, or a change of BANGBAN_LOOKUP_KEY) and by the data
migrations that moved values to SM4-GCM / HMAC-SM3. Rows are read in primary-key order in batches;
each batch is one transaction (rows locked, updated, committed), so an interrupted run keeps the
batches it finished, and a rerun skips every value already under the newest key whose hash is
current: it is idempotent and safe to interrupt at any point.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from bangban.core import crypto


@dataclass
class Counts:
    rows: int = 0  # rows read
    reencrypted: int = 0  # values rewritten under the newest key
    rehashed: int = 0  # lookup hashes recomputed
    batches: int = 0
    done: bool = False  # False when stopped by max_batches before the end of the table


class ReencryptError(Exception):
    """A value that cannot be decrypted with the configured keys (nothing of its batch was written)."""


def reencrypt_table(model, fields: dict[str, str], *, batch_size: int = 500, max_batches: int | None = None):
    """Re-encrypt `fields` ({ciphertext attribute: lookup hash attribute}) of every row of `model`.

    `max_batches` stops early (an interrupted run, or a bounded one); the counts say how far it got.
    """
    counts = Counts()
    names = [*fields, *fields.values()]
    manager = model._base_manager
    last = None
    while max_batches is None or counts.batches < max_batches:
        with transaction.atomic():
            qs = manager.order_by("pk").only(*names)
            if last is not None:
                qs = qs.filter(pk__gt=last)
            rows = list(qs.select_for_update()[:batch_size])
            if not rows:
                counts.done = True
                break
            changed = [row for row in rows if _refresh(row, fields, counts)]
            if changed:
                manager.bulk_update(changed, names)
        counts.rows += len(rows)
        counts.batches += 1
        last = rows[-1].pk
    else:
        counts.done = not manager.filter(pk__gt=last).exists() if last is not None else True
    return counts


def _refresh(row, fields: dict[str, str], counts: Counts) -> bool:
    changed = False
    for enc, hashed in fields.items():
        token = getattr(row, enc)
        if not token:
            continue
        try:
            plain = crypto.decrypt(token)
        except crypto.DecryptionError as exc:
            raise ReencryptError(f"{row._meta.label} #{row.pk} 的 {enc} {exc}") from exc
        if not crypto.is_current(token):
            setattr(row, enc, crypto.encrypt(plain))
            counts.reencrypted += 1
            changed = True
        digest = crypto.lookup_hash(plain)
        if getattr(row, hashed) != digest:
            setattr(row, hashed, digest)
            counts.rehashed += 1
            changed = True
    return changed
