"""Waking a waiting client when its call changes, across app servers.

A wait (long-poll) reads SessionEvent rows after the client's `after`; when none are there it sleeps
until woken or its time is up. The database stays the truth; what wakes a sleeper is shared by all
the waits of one process, so a waiting client costs no query and no connection while asleep:

- Every service that wrote an event calls `publish(call_id, to, seq, event)` after commit: it wakes
  the waiters of this process at once and, with `BANGBAN_REMOTE_PUBSUB_URL` (default: REDIS_URL),
  publishes on Redis. One listener thread per process holds one Redis connection subscribed to every
  call (a pattern) and wakes the waiters of the calls it hears about. An event for one side only
  (WebRTC signalling: `to`) wakes that side's waiters, not the sender's own long-poll, which would
  find nothing to read (in a session both sides signal several times a second).
- The publication carries the event's number and the event itself. Numbers commit in order, so a
  waiter that has looked past n and hears n + 1 has missed nothing: it answers the event it was told
  without reading it back (a signal then costs its long-poll no query and no connection). A number
  skipped (a message lost or overtaken), a number it has looked past (its own process's message
  heard again on Redis) or a message without one is judged by `_tell`: read, ignore, read.
- One watcher thread per process reads, in one query, the event counter (`HelpCall.last_seq`) of
  every call somebody waits on, and wakes a waiter whose call has moved past what it has seen: every
  BANGBAN_REMOTE_POLL_SECONDS without Redis (the embedded SQLite default, or Redis unreachable), and
  once a second as the safety net with Redis (a message lost costs at most that second).

Open waits are bounded per process (BANGBAN_REMOTE_MAX_WAITS): beyond it a wait answers at once and the
client asks again after a second, so a crowd of callers can never take every server thread.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

log = logging.getLogger(__name__)

CHANNEL = "bangban:remote:{}"
PATTERN = "bangban:remote:*"
SAFETY_SECONDS = 1.0  # the watcher's pace while Redis carries the wake-ups
ID_CHUNK = 500  # ids per watcher query (SQLite allows 999 parameters)
SIDES = ("caller", "agent")  # SessionEvent.Side of the two parties (not imported: no models here)
EVENT_MAX = 32 * 1024  # the largest event carried in its publication (an SDP offer is a few KB)

_slots_lock = threading.Lock()
_open_waits = 0
_client = None
_client_url = None


def _redis():
    global _client, _client_url
    url = settings.BANGBAN_REMOTE_PUBSUB_URL
    if not url:
        return None
    if _client is None or _client_url != url:
        import redis

        _client = redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)
        _client_url = url
    return _client


# --- the waiters of this process ------------------------------------------------------------------


class _Waiter:
    __slots__ = ("event", "seen", "side", "told", "reread", "top")

    def __init__(self, seen: int | None, side: str = ""):
        self.event = threading.Event()
        self.seen = seen  # the call's last_seq this waiter has looked past (None: not known yet)
        self.side = side  # the side it reads for ("": every event)
        self.told: list[dict] = []  # events for it that came with their publication, after `seen`
        self.reread = False  # something it has not been told: read the database
        self.top: int | None = None  # the highest event number published to it (all committed)


_lock = threading.Lock()
_waiters: dict[int, set[_Waiter]] = {}
# The highest event number heard here per call, so a waiter that read before it was added learns
# what was published in between (dropped whole past LATEST_MAX calls: the watcher still wakes them).
_latest: dict[int, int] = {}
LATEST_MAX = 10000


def _add(call_id: int, seen: int | None, side: str = "") -> _Waiter:
    w = _Waiter(seen, side)
    with _lock:
        _waiters.setdefault(call_id, set()).add(w)
        latest = _latest.get(call_id)
        if seen is not None and latest is not None and latest > seen:  # published since its read
            w.reread, w.top = True, latest
            w.event.set()
    _ensure_threads()
    return w


def _remove(call_id: int, w: _Waiter) -> None:
    with _lock:
        group = _waiters.get(call_id)
        if group is not None:
            group.discard(w)
            if not group:
                del _waiters[call_id]


def _wake(call_id: int, to: str = "", seq: int | None = None, event: dict | None = None) -> None:
    """Tell the waiters of a call about its event number `seq` for `to` ("": both sides), carrying the
    event itself when given (see _tell)."""
    with _lock:
        if seq is not None and seq > _latest.get(call_id, 0):
            if len(_latest) >= LATEST_MAX:
                _latest.clear()
            _latest[call_id] = seq
        for w in _waiters.get(call_id, ()):
            _tell(w, to, seq, event)


def _tell(w: _Waiter, to: str, seq: int | None, event: dict | None) -> None:
    """One publication reaching one waiter (under _lock). Numbers commit in order and are published
    after commit, so a waiter that has looked past `seen` and hears `seen + 1` knows everything up to
    it: an event for its side that came with the message is kept for it to answer without a read.
    It reads the database instead when the number is unknown (an older server's message, a waiter
    that never saw a number), skips one (a message lost or overtaken), or the event did not come
    along (too large). A number it has looked past (this process's own publication heard again on
    Redis) changes nothing."""
    mine = not to or not w.side or w.side == to
    if seq is None or w.seen is None:
        if seq is not None and (w.top is None or seq > w.top):
            w.top = seq
        if mine:
            w.reread = True
            w.event.set()
        return
    if seq <= w.seen:
        return
    if w.top is None or seq > w.top:
        w.top = seq
    if seq == w.seen + 1:
        w.seen = seq
        if not mine:
            return
        if event is None:
            w.reread = True
        else:
            w.told.append(event)
    else:
        w.reread = True
    w.event.set()


def _wake_all() -> None:
    with _lock:
        for group in _waiters.values():
            for w in group:
                w.reread = True
                w.event.set()


def watcher_holds_connection() -> bool:
    return _watcher_state["connected"]


def waiting_calls() -> int:
    with _lock:
        return len(_waiters)


# --- Redis: one subscriber per process --------------------------------------------------------------


class _Listener(threading.Thread):
    """Holds one pattern subscription to every call's channel; `ready` while subscribed."""

    def __init__(self, url: str):
        super().__init__(name="remote-listener", daemon=True)
        self.url = url
        self.ready = threading.Event()

    def run(self) -> None:
        import redis

        while True:
            try:
                client = redis.Redis.from_url(self.url, socket_timeout=35, health_check_interval=30)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(PATTERN)
                pubsub.get_message(timeout=1.0)  # the subscription's confirmation
                self.ready.set()
                _wake_all()  # whatever was published while not subscribed: re-read
                while True:
                    message = pubsub.get_message(timeout=30)
                    if message and message.get("type") == "pmessage":
                        try:
                            _wake(int(message["channel"].rsplit(b":", 1)[-1]), *_parse(message["data"]))
                        except (ValueError, TypeError):
                            pass
            except Exception as exc:  # Redis away: the watcher polls the database meanwhile
                if self.ready.is_set():
                    log.warning("remote: Redis subscription lost (%s); polling the database", exc)
                self.ready.clear()
                time.sleep(1.0)


def _side_of(data) -> str:
    """The side a published message is for: its data names it, anything else (an older server's "1")
    is for both."""
    return _parse(data)[0]


def _message(to: str, seq: int | None, event: dict | None) -> str:
    """A publication's data: "<side or *> <seq> <event as JSON>" (the event left out beyond
    EVENT_MAX characters: the waiters read it), or only the side without a number."""
    head = to if to in SIDES else "*"
    if seq is None:
        return head
    payload = json.dumps(event, ensure_ascii=False, separators=(",", ":")) if event is not None else ""
    return f"{head} {seq} {payload}" if len(payload) <= EVENT_MAX else f"{head} {seq}"


def _parse(data) -> tuple[str, int | None, dict | None]:
    """(side, seq, event) of a publication's data; what is missing or unreadable is None (the waiter
    reads the database)."""
    text = data.decode() if isinstance(data, bytes) else str(data)
    head, _, rest = text.partition(" ")
    to = head if head in SIDES else ""
    number, _, payload = rest.partition(" ")
    try:
        seq = int(number) if number else None
    except ValueError:
        return to, None, None
    event = None
    if payload:
        try:
            event = json.loads(payload)
        except ValueError:
            pass
    return to, seq, event if isinstance(event, dict) else None


_listeners: dict[str, _Listener] = {}
_watcher_state = {"connected": False}
_watcher: threading.Thread | None = None
_threads_lock = threading.Lock()


def _listener() -> _Listener | None:
    url = settings.BANGBAN_REMOTE_PUBSUB_URL
    return _listeners.get(url) if url else None


def _ensure_threads() -> None:
    global _watcher
    url = settings.BANGBAN_REMOTE_PUBSUB_URL
    if (url and url not in _listeners) or _watcher is None:
        with _threads_lock:
            if url and url not in _listeners:
                _listeners[url] = _Listener(url)
                _listeners[url].start()
            if _watcher is None:
                _watcher = threading.Thread(target=_watch, name="remote-watcher", daemon=True)
                _watcher.start()


# --- the database: one query per tick for every waited call --------------------------------------


def _pause() -> None:
    """Sleep one tick: the poll interval, or SAFETY_SECONDS while Redis carries the wake-ups (judged
    anew every 0.1 s, so a subscription lost or regained changes the pace at once). Counts the time
    it slept rather than reading a clock, which a test may move."""
    slept = 0.0
    while True:
        listener = _listener()
        redis_up = listener is not None and listener.ready.is_set()
        left = (SAFETY_SECONDS if redis_up else settings.BANGBAN_REMOTE_POLL_SECONDS) - slept
        if left <= 0:
            return
        step = min(left, 0.1)
        time.sleep(step)
        slept += step


def _watch() -> None:
    failing = False  # logged once per outage, not on every tick
    while True:
        try:
            _pause()
            failing = _tick(failing)
        except Exception:  # never let the watcher die: every waiter of the process depends on it
            log.exception("remote: watcher tick failed")
            time.sleep(1.0)


def _tick(failing: bool) -> bool:
    """One read of every waited call's counter; wakes the waiters whose call moved. Returns whether
    the database could not be read (so an outage is logged once)."""
    from bangban.remote.models import HelpCall

    with _lock:
        ids = list(_waiters)
    if not ids:
        return failing
    _watcher_state["connected"] = True
    try:
        close_old_connections()
        seqs: dict[int, int] = {}
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            seqs.update(HelpCall.objects.filter(pk__in=chunk).values_list("pk", "last_seq"))
    except Exception as exc:  # the database away: waiters end on their own time
        if not failing:
            log.warning("remote: watcher could not read the calls (%s)", exc)
        return True
    finally:
        # Held only for the read: a connection kept between ticks outlived its users (a browser's
        # long-poll still waiting when the test run dropped its database). SQLite's is a file the
        # process opened, kept (see _holds_server_slot).
        if _holds_server_slot():
            connection.close()
        _watcher_state["connected"] = False
    with _lock:
        for call_id, group in _waiters.items():
            seq = seqs.get(call_id)
            for w in group:
                # Gone (deleted) or moved past what the waiter has seen: let it re-read.
                if seq is None or w.seen is None or seq > w.seen:
                    w.seen = seq
                    w.reread = True
                    w.event.set()
    return False


# --- the API of this module ------------------------------------------------------------------------


def publish(call_id: int, to: str = "", seq: int | None = None, event: dict | None = None) -> None:
    """Tell the waiters on this call, here and on the other servers, about its event number `seq` for
    `to` ("": both sides), with the event as its long-polls answer it (see _tell); without a number,
    that there is something to re-read (call after commit; never raises)."""
    _wake(call_id, to, seq, event)
    client = _redis()
    if client is None:
        return
    try:
        client.publish(CHANNEL.format(call_id), _message(to, seq, event))
    except Exception:  # the watcher's next read wakes the other servers' waiters
        pass


def take_slot() -> bool:
    global _open_waits
    with _slots_lock:
        if _open_waits >= settings.BANGBAN_REMOTE_MAX_WAITS:
            return False
        _open_waits += 1
        return True


def give_slot() -> None:
    global _open_waits
    with _slots_lock:
        _open_waits -= 1


def open_waits() -> int:
    return _open_waits


def _holds_server_slot() -> bool:
    """Whether this thread's connection takes one of the database server's (or its pool's) few: a
    sleeping wait gives it back. A SQLite connection is a file this process opened: kept, since
    opening one again (SQLite reads the whole schema, Django's pragmas and functions) cost 1.4 ms of
    CPU, as much as the rest of a signal's long-poll."""
    return connection.vendor != "sqlite"


def wait_for(
    call_id: int,
    check,
    timeout: float,
    *,
    seen: int | None = None,
    side: str = "",
    told=None,
    first=None,
):
    """Run `check()` until it returns something truthy or `timeout` seconds pass, sleeping between
    runs until this call is published (this process or Redis) for `side` ("": any event) or its event
    counter moves past `seen` (the call's last_seq read before the first check; None: unknown, the
    watcher's first read wakes once). Returns the last result of `check()`, or of `told(events)` when
    woken by events that came with their publication (then nothing is read). Costs no query and
    holds none of the database server's connections while asleep (_holds_server_slot).

    `first`: the first check's result, read with the call that gave `seen` (one statement): what
    was published between that read and this wait's start wakes it at once."""
    deadline = time.monotonic() + max(0.0, timeout)
    if timeout <= 0:
        return check() if first is None else first
    waiter = _add(call_id, seen, side)
    try:
        result = check() if first is None else first
        while not result:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if connection.connection is not None and not connection.in_atomic_block and _holds_server_slot():
                # Asleep nothing needs the database: give the connection back, so 200 open waits
                # do not hold 200 PostgreSQL connections (the bench ran out of them). Before every
                # sleep, not only the first: a waiter woken for nothing it can read (the watcher's
                # safety net) that slept on with its pooled connection starved the pool, and the
                # other requests queued for one (the bench's posts and polls waited seconds).
                connection.close()
            if not waiter.event.wait(left):
                break
            with _lock:
                waiter.event.clear()
                heard, waiter.told = waiter.told, []
                reread, waiter.reread = waiter.reread, False
                top = waiter.top
            if heard and not reread and told is not None:
                result = told(heard)
                continue
            result = check()
            if top is not None:
                # Everything published so far was committed before it was read: looked past.
                with _lock:
                    if waiter.seen is None or top > waiter.seen:
                        waiter.seen = top
        return result
    finally:
        _remove(call_id, waiter)
