"""The record kinds whose facts feed the counters, for the recomputation and the drill-down.

Each app that counts registers its kind here (in SupervisionConfig.ready, or its own ready()):
the metrics its classifier writes, a loader yielding every record's facts from the raw rows
with that same classifier, and how to drill into its records. Wiring a new kind is one `register`
call, e.g. for reviews:

    register(RecordKind("review", "好差评", REVIEW_METRICS, all_review_facts, Drill(...)))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bangban.supervision.facts import Fact


@dataclass(frozen=True)
class DrillSpec:
    """How the records behind a figure are found and shown.

    `candidates(institution_ids, start, end)` yields (record, facts) for every record of those
    institutions whose facts may fall in start–end (a superset is fine: the caller keeps the facts
    dated in the period), the facts from the kind's own classifier, in ascending primary-key order.
    `row(record)` gives (link or "", the cells under `headers`)."""

    noun: str  # the counting word: 件, 条
    headers: tuple[str, ...]
    candidates: Callable[[list[int], dt.date, dt.date], Iterable[tuple[Any, list[Fact]]]]
    row: Callable[[Any], tuple[str, list[str]]]


@dataclass(frozen=True)
class RecordKind:
    name: str
    label: str
    metrics: tuple[str, ...]
    all_facts: Callable[[], Iterator[list[Fact]]]  # every record's facts, from the raw rows
    drill: DrillSpec | None = None


KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> None:
    KINDS[kind.name] = kind


def kind_of_metric(metric: str) -> RecordKind | None:
    return next((k for k in KINDS.values() if metric in k.metrics), None)


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware datetimes [start 00:00, end + 1 day 00:00) in the current zone (Asia/Shanghai)."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def pk_chunks(queryset, chunk: int = 5000) -> Iterator[list]:
    """The queryset's rows in ascending primary-key chunks (keyset pagination: no OFFSET)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def row_chunks(queryset, fields: tuple[str, ...], chunk: int = 5000) -> Iterator[list]:
    """The queryset's rows as named tuples of `fields` (the first must be "id"), in ascending
    primary-key chunks (keyset pagination, like pk_chunks): for the recomputation, which feeds the
    classifiers these rows instead of model instances (a classifier reads attributes only, and a
    model instance costs several times the tuple to build)."""
    last = 0
    qs = queryset.order_by("pk").values_list(*fields, named=True)
    while True:
        rows = list(qs.filter(pk__gt=last)[:chunk])
        if not rows:
            return
        yield rows
        last = rows[-1].id
