"""A Redis cache that degrades instead of failing while Redis is down.

The cache holds nothing that is not also somewhere else or that cannot be lost: sessions are
`cached_db` (the database is the record), counters for throttles and rate limits, copies of
lookups. So when Redis stops answering, a request should carry on as if the cache were empty,
not answer 500. `DegradingRedisCache` behaves exactly like Django's `RedisCache` while Redis
answers; while it does not:

- reads miss (`get` → default, `get_many` → {}, `has_key` → False),
- writes are dropped (`set`, `set_many`, `delete`, `delete_many`, `touch` report nothing done),
- `add` reports success (an empty cache would have accepted the key),
- `incr` raises `ValueError` like a missing key (every caller then falls back to `set`).

After a failure it does not try Redis again for `DOWN_SECONDS` (default 2), so a request that
touches the cache ten times does not wait for ten connection timeouts; keep the client's socket
timeouts short (settings pass `socket_connect_timeout`/`socket_timeout`). Each outage is logged
once as a warning, and once more when Redis answers again.

Throttles and rate limits therefore open while Redis is down (a counter that cannot be kept cannot
refuse). The login lockout is in the database and keeps working.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger("bangban.cache")


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    # ConnectionError and TimeoutError cover a stopped, restarting or unreachable server;
    # BusyLoadingError a server still loading; OSError a socket failing underneath.
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one `redis.Redis` per connection pool.

    Django builds a new `redis.Redis` for every cache call, and each one fills its table of about 160
    response callbacks: a tenth of a millisecond of CPU on every call, paid by every request (the
    session read). A `redis.Redis` over a connection pool is safe to share between threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class DegradingRedisCache(RedisCache):
    DOWN_SECONDS = 2.0

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.DOWN_SECONDS = float(options.pop("DOWN_SECONDS", self.DOWN_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = SharedClientRedisCacheClient
        self._errors = _redis_errors()
        self._down_until = 0.0
        self._state_lock = threading.Lock()
        self._degraded = False

    # -- the breaker -------------------------------------------------------------------------
    @property
    def degraded(self) -> bool:
        return self._degraded

    def _call(self, fallback, method, *args, **kwargs):
        if self._down_until and time.monotonic() < self._down_until:
            return fallback()
        try:
            result = method(*args, **kwargs)
        except self._errors as exc:
            with self._state_lock:
                self._down_until = time.monotonic() + self.DOWN_SECONDS
                if not self._degraded:
                    self._degraded = True
                    logger.warning("Redis 缓存不可用，按空缓存继续服务：%s", exc)
            return fallback()
        if self._degraded:
            with self._state_lock:
                if self._degraded:
                    self._degraded = False
                    self._down_until = 0.0
                    logger.warning("Redis 缓存已恢复")
        return result

    # -- the cache API -----------------------------------------------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(lambda: default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(lambda: False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call(dict, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(lambda: False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found (缓存不可用)")

        return self._call(missing, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(lambda: None, super().delete_many, keys, version)

    def clear(self):
        return self._call(lambda: False, super().clear)


# -- one rebuilder, stale copies meanwhile ----------------------------------------------------------

_WAIT_STEP = 0.02


def refreshed(key: str, build, *, fresh: float, keep: float, lock: float = 60.0, wait: float = 5.0):
    """`(value, built_at)` for `key`: the copy in Django's cache while it is younger than `fresh`
    seconds, else rebuilt by exactly one caller while every other caller keeps being served the
    copy it replaces (no stampede: a value that costs 200 ms is not rebuilt by every request that
    arrives while it is being rebuilt).

    The rebuilder is the caller that wins `cache.add` on `<key>:rebuild` (atomic in Redis and in the
    process-local LocMem cache of the embedded default); it holds the lock for at most `lock`
    seconds, so a rebuilder that died is replaced after that. A stale copy is therefore served at
    most `fresh + lock` seconds after it was built (`lock` only if its rebuilder died), and never
    longer than `keep` (its time to live in the cache). Without any copy (first read, or after
    `keep`), callers that lose the race wait up to `wait` seconds for the winner's copy, then build
    their own. While Redis is down (DegradingRedisCache), `add` succeeds and `get` misses: every
    caller builds, as without a cache. `built_at` is `time.time()` of the build (shared by every
    process that reads the copy)."""
    from django.core.cache import cache

    entry = cache.get(key)
    if entry is not None and time.time() - entry[0] < fresh:
        return entry[1], entry[0]
    lock_key = f"{key}:rebuild"
    if not cache.add(lock_key, 1, lock):
        if entry is not None:
            return entry[1], entry[0]
        until = time.monotonic() + wait
        while time.monotonic() < until:
            time.sleep(_WAIT_STEP)
            entry = cache.get(key)
            if entry is not None:
                return entry[1], entry[0]
        value = build()
        return value, time.time()
    try:
        # Re-read under the lock: a caller that found no fresh copy just before the previous rebuilder
        # stored its copy and let go of the lock would otherwise build it a second time.
        entry = cache.get(key)
        if entry is not None and time.time() - entry[0] < fresh:
            return entry[1], entry[0]
        value = build()
        built = time.time()
        cache.set(key, (built, value), keep)
    finally:
        cache.delete(lock_key)
    return value, built
