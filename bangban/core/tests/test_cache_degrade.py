"""The production cache degrades to an empty cache while Redis is down (bangban/core/cache.py).

A stopped Redis must not turn requests into 500s: sessions (cached_db) fall back to the database,
throttle counters are dropped, and once Redis answers again the cache is used again.
"""

import socket

import pytest
from django.core.cache import caches

from bangban.core.cache import DegradingRedisCache


def _dead_redis_url() -> str:
    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _cache(url: str) -> DegradingRedisCache:
    return DegradingRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})


def test_every_operation_degrades_while_redis_is_down(caplog):
    cache = _cache(_dead_redis_url())
    assert cache.get("k", "default") == "default"
    assert cache.degraded
    assert cache.set("k", 1) is None and cache.get("k") is None
    assert cache.add("k", 1) is True  # an empty cache would have accepted it
    with pytest.raises(ValueError):  # like a missing key: callers fall back to set()
        cache.incr("k")
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False and cache.delete("k") is False and cache.touch("k") is False
    assert cache.set_many({"a": 1}) == ["a"]
    cache.delete_many(["a"])
    assert cache.get_or_set("g", 7) == 7
    assert cache.clear() is False
    assert [r.getMessage() for r in caplog.records if r.name == "bangban.cache"] == [
        caplog.records[0].getMessage()
    ], "one warning per outage, not one per call"


def test_staff_pages_answer_with_sessions_in_the_database_while_redis_is_down(org, client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "bangban.core.cache.DegradingRedisCache",
            "LOCATION": _dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(org.user("town_agent"))
    assert client.get("/staff/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200
    assert caches["default"].degraded


@pytest.mark.redis
def test_the_cache_works_and_recovers_on_a_real_redis():
    from bangban.core.testing import redis_url_or_skip

    cache = _cache(redis_url_or_skip())
    cache.DOWN_SECONDS = 0
    cache.set("bangban-degrade-test", 41, 30)
    assert cache.incr("bangban-degrade-test") == 42
    cache._degraded = True  # as after an outage: the next answer clears it
    assert cache.get("bangban-degrade-test") == 42 and not cache.degraded
    cache.delete("bangban-degrade-test")


@pytest.mark.redis
def test_one_redis_client_serves_every_call():
    """Django builds a redis.Redis per cache call; ours keeps one per connection pool, and it still
    reaches the same server (a value set through it is read back through a fresh Django client)."""
    from django.core.cache.backends.redis import RedisCacheClient

    from bangban.core.testing import redis_url_or_skip

    url = redis_url_or_skip()
    cache = _cache(url)
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is client
    cache.set("bangban-shared-client-test", "值", 30)
    plain = RedisCacheClient([url])
    assert plain.get(cache.make_and_validate_key("bangban-shared-client-test"), None) == "值"
    cache.delete("bangban-shared-client-test")
