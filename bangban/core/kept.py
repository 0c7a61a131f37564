"""A value each process keeps for a short while instead of reading it on every request.

`Kept(read, seconds)`: `get()` answers from the process's copy while it is younger than `seconds`,
else calls `read(previous)` (the previous copy or None, so a reader can keep what has not changed) and
keeps the answer. `forget()` drops the copy at once and again when the current transaction commits:
this process's own writes are then seen by its next read, even when a request on another thread read
the old value between the write and its commit. Other processes see a change within `seconds`.
Used for markers and snapshots of data that changes rarely (knowledge search, 信息公开率).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import transaction


class Kept:
    def __init__(self, read: Callable[[Any], Any], seconds: float):
        self._read, self.seconds = read, seconds
        self._copy: tuple[float, Any] | None = None  # (when it was read, the value)

    def get(self):
        copy, now = self._copy, time.monotonic()
        if copy is not None and now - copy[0] < self.seconds:
            return copy[1]
        value = self._read(None if copy is None else copy[1])
        self._copy = (now, value)
        return value

    def forget(self, **_ignored) -> None:
        """Read again at the next `get`: now, and once the writing transaction commits (a signal
        receiver as well as a call)."""
        self._copy = None
        transaction.on_commit(self.clear)

    def clear(self) -> None:
        self._copy = None
