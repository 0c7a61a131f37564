"""信息公开率 (the live indicator) from a per-process snapshot of the catalog.

The figure is a snapshot of the catalog on a day: the listing entries whose item has a published, not
suspended version in force that day, and of those the ones whose version's guide is complete. The
catalog changes rarely and the figure was the dearest part of an indicator request (an EXISTS over the
versions per listing entry, compiled by the ORM every time), so each process keeps the listing and the
published versions' validity (one read of both tables) and answers from them:

- the versions in force are the same on every day between two of their validity bounds (a valid_from,
  or the day after a valid_to), so a day's offered items and per-institution figures are computed once
  for its stretch and kept (the SEGMENTS_KEPT last used stretches: item flags and institution totals,
  small beside the listing, which is kept once);
- the snapshot is keyed by a marker of the two tables (row count, newest update, highest id: a version
  or entry added, deleted, published or closed changes it), read at most once a MARKER_SECONDS per
  process. This process's own catalog writes forget the snapshot at once (apps.py: post_save and
  post_delete of versions and listing entries); another process's writes are seen within
  MARKER_SECONDS.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import connection

from bangban.core.kept import Kept

MARKER_SECONDS = 1.0
SEGMENTS_KEPT = 64


@dataclass
class _Stretch:
    """The figures of every day of one stretch: the offered items (item → its guide is complete) and
    per institution (complete, offered) over its listing."""

    items: dict[int, bool]
    totals: dict[int, tuple[int, int]]


@dataclass
class _Snapshot:
    marker: tuple
    bounds: list[dt.date]  # sorted: a valid_from, or the day after a valid_to
    versions: dict[int, list]  # item → its published, not suspended versions (validity, guide complete)
    listing: dict[int, list[int]]  # institution → its listed items
    stretches: OrderedDict = field(default_factory=OrderedDict)

    def stretch(self, on: dt.date) -> _Stretch:
        index = bisect.bisect_right(self.bounds, on)
        with _lock:
            kept = self.stretches.get(index)
            if kept is not None:
                self.stretches.move_to_end(index)
                return kept
        items: dict[int, bool] = {}  # the items offered on `on`: item → a complete version in force
        for item_id, versions in self.versions.items():
            in_force = [v.guide_complete for v in versions if v.in_force_on(on)]  # the catalog's rule
            if in_force:
                items[item_id] = any(in_force)
        totals: dict[int, tuple[int, int]] = {}
        for institution_id, listed in self.listing.items():
            flags = [items[i] for i in listed if i in items]
            if flags:
                totals[institution_id] = (sum(flags), len(flags))
        made = _Stretch(items, totals)
        with _lock:
            self.stretches[index] = made
            while len(self.stretches) > SEGMENTS_KEPT:
                self.stretches.popitem(last=False)
        return made


_lock = threading.Lock()


def _marker() -> tuple:
    from bangban.catalog.models import ItemVersion, ListingEntry

    parts = []
    for table in (ItemVersion._meta.db_table, ListingEntry._meta.db_table):
        parts += [
            f"(SELECT COUNT(*) FROM {table})",
            f"(SELECT MAX(updated_at) FROM {table})",
            f"(SELECT MAX(id) FROM {table})",
        ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(str(v) for v in cursor.fetchone())


def _read(marker: tuple) -> _Snapshot:
    from bangban.catalog.models import ItemVersion, ListingEntry

    versions: dict[int, list] = {}
    bounds: set[dt.date] = set()
    published = ItemVersion.objects.filter(
        state=ItemVersion.State.PUBLISHED, is_suspended=False, valid_from__isnull=False
    ).only("item_id", "state", "valid_from", "valid_to", "guide_complete")
    for version in published:
        versions.setdefault(version.item_id, []).append(version)
        bounds.add(version.valid_from)
        if version.valid_to is not None:
            bounds.add(version.valid_to + dt.timedelta(days=1))
    listing: dict[int, list[int]] = {}
    for institution_id, item_id in ListingEntry.objects.values_list("institution_id", "item_id"):
        listing.setdefault(institution_id, []).append(item_id)
    return _Snapshot(marker, sorted(bounds), versions, listing)


def _refresh(previous: _Snapshot | None) -> _Snapshot:
    """The snapshot for the catalog now: the previous one while the marker has not moved."""
    marker = _marker()
    return previous if previous is not None and previous.marker == marker else _read(marker)


kept = Kept(_refresh, MARKER_SECONDS)  # core.kept: this process's copy; kept.forget is a signal receiver


def _snapshot() -> _Snapshot:
    return kept.get()


def counts(ids: list[int], on: dt.date, group: str | None) -> dict:
    """{group key: (complete, offered)} over the listing entries of `ids` whose item has a published,
    not suspended version in force on `on`; a version's stored guide_complete says complete (group:
    None, "institution_id" or "item_id"; an institution or item with no such entry is left out)."""
    snapshot = _snapshot()
    stretch = snapshot.stretch(on)
    if group == "institution_id":
        return {i: stretch.totals[i] for i in ids if i in stretch.totals}
    if group is None:
        num = den = 0
        for i in ids:
            n, d = stretch.totals.get(i, (0, 0))
            num, den = num + n, den + d
        return {None: (num, den)}
    if group != "item_id":
        raise ValueError(f"unknown grouping {group!r}")
    out: dict[int, tuple[int, int]] = {}
    offered = stretch.items
    for i in ids:
        for item_id in snapshot.listing.get(i, ()):
            complete = offered.get(item_id)
            if complete is not None:
                n, d = out.get(item_id, (0, 0))
                out[item_id] = (n + complete, d + 1)
    return out
