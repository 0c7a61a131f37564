"""core.cache.refreshed: a copy younger than `fresh` is served as is; an older one is rebuilt by
exactly one caller while the others are served the old copy (no stampede of rebuilds); without a
copy the others wait for the rebuilder's. On the embedded LocMem cache and on Redis."""

import threading
import time

import pytest

from bangban.core import cache as core_cache
from bangban.core.cache import refreshed


@pytest.fixture(params=["locmem", "redis"])
def cache(request, settings):
    from django.core.cache import caches

    if request.param == "redis":
        from bangban.core.testing import redis_cache

        with redis_cache(settings) as shared:
            yield shared
        return
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


class Builds:
    def __init__(self, delay: float = 0.0):
        self.count, self.delay, self.lock = 0, delay, threading.Lock()

    def __call__(self):
        with self.lock:
            self.count += 1
            n = self.count
        time.sleep(self.delay)
        return f"board {n}"


def test_a_fresh_copy_is_served_and_an_old_one_rebuilt(cache):
    build = Builds()
    assert refreshed("k", build, fresh=10, keep=60)[0] == "board 1"
    assert refreshed("k", build, fresh=10, keep=60)[0] == "board 1"
    assert build.count == 1
    built, value = cache.get("k")
    cache.set("k", (built - 11, value), 60)  # older than `fresh`
    assert refreshed("k", build, fresh=10, keep=60)[0] == "board 2"
    assert cache.get("k:rebuild") is None  # the lock is released


def test_while_one_caller_rebuilds_the_others_get_the_old_copy(cache):
    cache.set("k", (time.time() - 11, "old board"), 60)
    build = Builds(delay=0.3)
    results = [None] * 8
    start = threading.Barrier(8)

    def read(i):
        start.wait()
        results[i] = refreshed("k", build, fresh=10, keep=60)[0]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert build.count == 1
    assert results.count("board 1") == 1 and results.count("old board") == 7
    assert refreshed("k", build, fresh=10, keep=60)[0] == "board 1"


def test_without_a_copy_the_others_wait_for_the_rebuilders(cache):
    build = Builds(delay=0.3)
    results = [None] * 6
    start = threading.Barrier(6)

    def read(i):
        start.wait()
        results[i] = refreshed("k", build, fresh=10, keep=60)[0]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert build.count == 1 and results == ["board 1"] * 6


def test_a_waiter_builds_its_own_when_the_rebuilder_takes_too_long(cache, monkeypatch):
    monkeypatch.setattr(core_cache, "_WAIT_STEP", 0.01)
    cache.add("k:rebuild", 1, 60)  # a rebuilder that hangs
    build = Builds()
    started = time.monotonic()
    assert refreshed("k", build, fresh=10, keep=60, wait=0.1)[0] == "board 1"
    assert 0.1 <= time.monotonic() - started < 2
    cache.set("k", (time.time() - 11, "old board"), 60)
    assert refreshed("k", build, fresh=10, keep=60)[0] == "old board"  # the hung lock: old copy
    assert build.count == 1


def test_a_failed_rebuild_releases_the_lock(cache):
    def broken():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        refreshed("k", broken, fresh=10, keep=60)
    assert cache.get("k:rebuild") is None
    assert refreshed("k", Builds(), fresh=10, keep=60)[0] == "board 1"


def test_a_caller_that_gets_the_lock_after_a_rebuild_serves_that_rebuild(cache, monkeypatch):
    # It found no fresh copy, then the rebuilder stored one and let go of the lock before this caller
    # asked for it: the copy is served, not built again.
    build = Builds()
    original_add = cache.add

    def add_after_a_rebuild(key, *args, **kwargs):
        if key == "k:rebuild" and build.count == 0:
            cache.set("k", (time.time(), "board from the other rebuilder"), 60)
        return original_add(key, *args, **kwargs)

    monkeypatch.setattr(cache, "add", add_after_a_rebuild)
    assert refreshed("k", build, fresh=10, keep=60)[0] == "board from the other rebuilder"
    assert build.count == 0 and cache.get("k:rebuild") is None
