"""The record kinds whose facts feed the counters, for the recomputation.

Each app that counts registers its kind here (in SupervisionConfig.ready, or its own ready()):
the metrics its classifier writes and a loader yielding every record's facts from the raw rows
with that same classifier. Wiring a new kind is one `register` call, e.g. for reviews:

    register(RecordKind("review", "好差评", REVIEW_METRICS, all_review_facts))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bangban.supervision.facts import Fact


@dataclass(frozen=True)
class RecordKind:
    name: str
    label: str
    metrics: tuple[str, ...]
    all_facts: Callable[[], Iterator[list[Fact]]]  # every record's facts, from the raw rows


KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> None:
    KINDS[kind.name] = kind


def kind_of_metric(metric: str) -> RecordKind | None:
    return next((k for k in KINDS.values() if metric in k.metrics), None)
