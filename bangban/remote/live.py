"""Waking a waiting client when its call changes, across app servers.

A wait (long-poll) reads SessionEvent rows after the client's `after`; when none are there it sleeps
until woken or its time is up. With `BANGBAN_REMOTE_PUBSUB_URL` (default: REDIS_URL) a service that
wrote an event publishes the call id on Redis after commit and every waiter on that call, on any app
server, re-reads at once. Without Redis (the embedded SQLite default) a waiter re-reads the database
every BANGBAN_REMOTE_POLL_SECONDS. The database stays the truth either way: a lost message costs
at most the one-second safety re-read.

Open waits are bounded per process (BANGBAN_REMOTE_MAX_WAITS): beyond it a wait answers at once and the
client asks again after a second, so a crowd of callers can never take every server thread.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection

CHANNEL = "bangban:remote:{}"
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

        _client = redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)
        _client_url = url
    return _client


def publish(call_id: int) -> None:
    """Tell every waiter on this call to re-read (call after commit; never raises)."""
    client = _redis()
    if client is None:
        return
    try:
        client.publish(CHANNEL.format(call_id), "1")
    except Exception:  # a waiter re-reads within a second anyway
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


def wait_for(call_id: int, check, timeout: float):
    """Run `check()` until it returns something truthy or `timeout` seconds pass; between runs sleep
    until this call is published (Redis) or for the poll interval (database only). Returns the last
    result of `check()`."""
    deadline = time.monotonic() + max(0.0, timeout)
    result = check()
    if result or timeout <= 0:
        return result
    client = _redis()
    pubsub = None
    if client is not None:
        try:
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL.format(call_id))
            result = check()  # anything published before the subscription took effect
        except Exception:
            pubsub = None
    try:
        while not result:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if pubsub is not None:
                # Waiting on Redis needs no database: give the connection back while asleep, so 200
                # open waits do not hold 200 PostgreSQL connections (the bench ran out of them).
                if not connection.in_atomic_block:
                    connection.close()
                try:
                    pubsub.get_message(timeout=min(left, 1.0))
                except Exception:
                    pubsub = None
                    time.sleep(min(left, settings.BANGBAN_REMOTE_POLL_SECONDS))
            else:
                time.sleep(min(left, settings.BANGBAN_REMOTE_POLL_SECONDS))
            result = check()
        return result
    finally:
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:
                pass
