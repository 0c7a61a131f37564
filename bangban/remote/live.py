"""Waking a waiting client when its call changes, across app servers.

A wait (long-poll) reads SessionEvent rows after the client's `after`; when none are there it sleeps
until woken or its time is up. The database stays the truth; what wakes a sleeper is shared by all
the waits of one process, so a waiting client costs no query and no connection while asleep:

- Every service that wrote an event calls `publish(call_id, to)` after commit: it wakes the waiters of
  this process at once and, with `BANGBAN_REMOTE_PUBSUB_URL` (default: REDIS_URL), publishes the call
  id on Redis. One listener thread per process holds one Redis connection subscribed to every call
  (a pattern) and wakes the waiters of the calls it hears about. An event for one side only (WebRTC
  signalling: `to`) wakes that side's waiters, not the sender's own long-poll, which would find
  nothing to read (in a session both sides signal several times a second).
- One watcher thread per process reads, in one query, the event counter (`HelpCall.last_seq`) of
  every call somebody waits on, and wakes a waiter whose call has moved past what it has seen: every
  BANGBAN_REMOTE_POLL_SECONDS without Redis (the embedded SQLite default, or Redis unreachable), and
  once a second as the safety net with Redis (a message lost costs at most that second).

Open waits are bounded per process (BANGBAN_REMOTE_MAX_WAITS): beyond it a wait answers at once and the
client asks again after a second, so a crowd of callers can never take every server thread.
"""

from __future__ import annotations

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
    __slots__ = ("event", "seen", "side")

    def __init__(self, seen: int | None, side: str = ""):
        self.event = threading.Event()
        self.seen = seen  # the call's last_seq this waiter has looked past (None: not known yet)
        self.side = side  # the side it reads for ("": every event)


_lock = threading.Lock()
_waiters: dict[int, set[_Waiter]] = {}


def _add(call_id: int, seen: int | None, side: str = "") -> _Waiter:
    w = _Waiter(seen, side)
    with _lock:
        _waiters.setdefault(call_id, set()).add(w)
    _ensure_threads()
    return w


def _remove(call_id: int, w: _Waiter) -> None:
    with _lock:
        group = _waiters.get(call_id)
        if group is not None:
            group.discard(w)
            if not group:
                del _waiters[call_id]


def _wake(call_id: int, to: str = "") -> None:
    """Wake the waiters of a call that can read an event for `to` ("": for both sides)."""
    with _lock:
        for w in _waiters.get(call_id, ()):
            if not to or not w.side or w.side == to:
                w.event.set()


def _wake_all() -> None:
    with _lock:
        for group in _waiters.values():
            for w in group:
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
                            _wake(int(message["channel"].rsplit(b":", 1)[-1]), _side_of(message["data"]))
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
    side = data.decode() if isinstance(data, bytes) else str(data)
    return side if side in SIDES else ""


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
        # long-poll still waiting when the test run dropped its database).
        connection.close()
        _watcher_state["connected"] = False
    with _lock:
        for call_id, group in _waiters.items():
            seq = seqs.get(call_id)
            for w in group:
                # Gone (deleted) or moved past what the waiter has seen: let it re-read.
                if seq is None or w.seen is None or seq > w.seen:
                    w.seen = seq
                    w.event.set()
    return False


# --- the API of this module ------------------------------------------------------------------------


def publish(call_id: int, to: str = "") -> None:
    """Tell the waiters on this call that can read an event for `to` ("": both sides) to re-read
    (call after commit; never raises)."""
    _wake(call_id, to)
    client = _redis()
    if client is None:
        return
    try:
        client.publish(CHANNEL.format(call_id), to if to in SIDES else "*")
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


def wait_for(call_id: int, check, timeout: float, *, seen: int | None = None, side: str = ""):
    """Run `check()` until it returns something truthy or `timeout` seconds pass, sleeping between
    runs until this call is published (this process or Redis) for `side` ("": any event) or its event
    counter moves past `seen` (the call's last_seq read before the first check; None: unknown, the
    watcher's first read wakes once). Returns the last result of `check()`. Costs no query and holds
    no database connection while asleep."""
    deadline = time.monotonic() + max(0.0, timeout)
    if timeout <= 0:
        return check()
    waiter = _add(call_id, seen, side)
    try:
        result = check()
        while not result:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if connection.connection is not None and not connection.in_atomic_block:
                # Asleep nothing needs the database: give the connection back, so 200 open waits
                # do not hold 200 PostgreSQL connections (the bench ran out of them). Before every
                # sleep, not only the first: a waiter woken for nothing it can read (the watcher's
                # safety net) that slept on with its pooled connection starved the pool, and the
                # other requests queued for one (the bench's posts and polls waited seconds).
                connection.close()
            if not waiter.event.wait(left):
                break
            waiter.event.clear()
            result = check()
        return result
    finally:
        _remove(call_id, waiter)
