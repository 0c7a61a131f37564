"""Keyset pagination of the audit trail on (at, id), newest first.

A page never counts the result: it asks for one row more than it shows, and its links carry a
cursor naming the row to continue from ("b" = older than it, "a" = newer than it). The cursor is
opaque to users (URL-safe base64) and validated strictly on the way back: anything that is not a
cursor this module wrote raises InvalidCursor, which the page and the API report in Chinese.
A cursor only names a position; scope and filters are applied again on every request.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import Q, QuerySet

from bangban.core.errors import ServiceError

PAGE_SIZE = 50
# Each filter has an index that serves it in time order, but two filters together can leave the
# database walking the time index past hundreds of thousands of rows (measured up to 1.7 s at 5 million
# rows, issue 9 report). Past this a search is cancelled and the user asked to narrow it.
TIME_LIMIT_MS = 5000
CURSOR_MAX_LENGTH = 64
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_FORMAT = re.compile(r"([ab])\.(-?[0-9]{1,18})\.([0-9]{1,18})")
# Aware datetimes Python can represent (year 1..9999), in microseconds from the epoch.
_MIN_US = -62135596800 * 10**6
_MAX_US = 253402300799 * 10**6


class InvalidCursor(ValueError):
    pass


class SearchTooBroad(ServiceError):
    def __init__(self):
        super().__init__(
            "search_too_broad",
            f"查询未能在 {TIME_LIMIT_MS // 1000} 秒内完成：请缩小范围，例如指定起止日期，或按用户名查找操作人",
        )


@contextmanager
def time_limit(ms: int | None = None):
    """On PostgreSQL, cancel the statements run inside after `ms` milliseconds (SearchTooBroad).
    SQLite (the embedded, single-office database) runs them to the end."""
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # SET takes no parameters; the value is an int of ours.
                cursor.execute(f"SET LOCAL statement_timeout = {int(ms or TIME_LIMIT_MS)}")
            yield
            with connection.cursor() as cursor:  # inside an outer transaction: not beyond this block
                cursor.execute("SET LOCAL statement_timeout = DEFAULT")
    except OperationalError as exc:
        import psycopg

        if isinstance(exc.__cause__, psycopg.errors.QueryCanceled):
            raise SearchTooBroad() from exc
        raise


@dataclass(frozen=True)
class Cursor:
    direction: str  # "b": rows older than (at, id); "a": rows newer than it
    at: dt.datetime
    id: int

    def encode(self) -> str:
        us = (self.at - _EPOCH) // dt.timedelta(microseconds=1)
        raw = f"{self.direction}.{us}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        if not text or len(text) > CURSOR_MAX_LENGTH or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
            raise InvalidCursor(text)
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise InvalidCursor(text) from None
        match = _FORMAT.fullmatch(raw)
        if match is None:
            raise InvalidCursor(text)
        direction, us, pk = match.group(1), int(match.group(2)), int(match.group(3))
        if not (_MIN_US <= us <= _MAX_US) or pk < 1:
            raise InvalidCursor(text)
        cursor = cls(direction, _EPOCH + dt.timedelta(microseconds=us), pk)
        if cursor.encode() != text:  # only the one spelling this module writes (no "007", no stray bits)
            raise InvalidCursor(text)
        return cursor

    @classmethod
    def at_row(cls, direction: str, row) -> Cursor:
        return cls(direction, row.at, row.pk)


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    newer: str | None  # cursor of the page before this one (newer rows), None on the first page
    older: str | None  # cursor of the page after this one (older rows), None on the last page

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def _older_than(c: Cursor) -> Q:
    # at <= c.at is implied by the rest; stated on its own it lets the database walk the at index.
    return Q(at__lte=c.at) & (Q(at__lt=c.at) | Q(at=c.at, id__lt=c.id))


def _newer_than(c: Cursor) -> Q:
    return Q(at__gte=c.at) & (Q(at__gt=c.at) | Q(at=c.at, id__gt=c.id))


def keyset_page(qs: QuerySet, cursor: Cursor | None, size: int = PAGE_SIZE) -> KeysetPage:
    """One page of `qs` (any filters, no ordering needed) newest first, continuing from `cursor`;
    SearchTooBroad when the database needs more than TIME_LIMIT_MS for it."""
    with time_limit():
        return _keyset_page(qs, cursor, size)


def _keyset_page(qs: QuerySet, cursor: Cursor | None, size: int) -> KeysetPage:
    if cursor is not None and cursor.direction == "a":
        rows = list(qs.filter(_newer_than(cursor)).order_by("at", "id")[: size + 1])
        if len(rows) > size:  # there are newer rows still: a page in the middle
            rows = rows[:size][::-1]
            return KeysetPage(
                rows, Cursor.at_row("a", rows[0]).encode(), Cursor.at_row("b", rows[-1]).encode()
            )
        cursor = None  # reached the newest rows: show the first page as it is now
    if cursor is None:
        rows = list(qs.order_by("-at", "-id")[: size + 1])
        newer = None
    else:
        rows = list(qs.filter(_older_than(cursor)).order_by("-at", "-id")[: size + 1])
        # Rows above this page's first row (an empty page, past the end: the page links to the newest).
        newer = Cursor.at_row("a", rows[0]).encode() if rows else None
    older = Cursor.at_row("b", rows[size - 1]).encode() if len(rows) > size else None
    return KeysetPage(rows[:size], newer, older)
