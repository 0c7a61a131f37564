"""One Redis client per URL for the quick checks (/healthz, /metrics): short timeouts, built once.

redis-py clients hold a connection pool and are thread-safe, so one per URL and process serves every
request; building one per call opened a new TCP connection each time. The cache (core/cache.py) and
remote help's long waits (remote/live.py) keep their own clients: they need other timeouts.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=8)
def quick_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
