"""Work an app server process does once at start-up instead of on its first requests.

A worker that loads something heavy on first use (the knowledge search's segmenter dictionary, a third
of a second) makes the first visitors after every start or respawn wait for it, with the requests
queued behind them. Apps register such loads here (in their AppConfig.ready); the app server's entry
point (bangban.wsgi) runs them before it serves. Other processes (migrations, Celery, tests) do not.
"""

from __future__ import annotations

from collections.abc import Callable

_warmers: list[Callable[[], object]] = []


def register(warm: Callable[[], object]) -> None:
    if warm not in _warmers:
        _warmers.append(warm)


def run() -> None:
    for warm in _warmers:
        warm()
