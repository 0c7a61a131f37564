"""Test helpers shared by every app's tests: a small real organization tree and its people."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from bangban.accounts.models import User
from bangban.accounts.roles import Role
from bangban.accounts.services import staff_create
from bangban.divisions.models import Division
from bangban.org.models import Department, Institution
from bangban.org.services import department_create, institution_create

PASSWORD = "Test#Pass2026"

DIVISIONS = [
    ("32", "江苏省", 1),
    ("3205", "苏州市", 2),
    ("320505", "虎丘区", 3),
    ("320506", "吴中区", 3),
    ("320505101", "通安镇", 4),
    ("320505003", "枫桥街道", 4),
    ("320506001", "长桥街道", 4),
    ("320505101201", "树山村", 5),
    ("320505101001", "通安社区", 5),
    ("320505003001", "枫桥社区", 5),
    ("320506001001", "长桥社区", 5),
]


@dataclass
class Org:
    county: Institution
    town: Institution  # 通安镇便民服务中心
    town2: Institution  # 枫桥街道便民服务中心
    station: Institution  # 树山村便民服务站 (under town)
    station2: Institution  # 通安社区便民服务站 (under town)
    station3: Institution  # 枫桥社区便民服务站 (under town2)
    other_county: Institution  # 吴中区: a separate tree
    department: Department
    users: dict[str, User] = field(default_factory=dict)

    def user(self, key: str) -> User:
        return self.users[key]


def make_divisions() -> None:
    for code, name, level in DIVISIONS:
        parent = code[: {2: 0, 4: 2, 6: 4, 9: 6, 12: 9}[len(code)]] or None
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent_id": parent}
        )


def make_user(key: str, institution: Institution, roles: list[str], department=None) -> User:
    return staff_create(
        by=None,
        username=key,
        full_name=f"测试{key}",
        institution=institution,
        roles=roles,
        password=PASSWORD,
        department=department,
        must_change_password=False,
    )


def make_org() -> Org:
    make_divisions()
    d = Division.objects.get
    county = institution_create(
        by=None, name="虎丘区政务服务中心", tier=1, division=d(code="320505"), parent=None
    )
    town = institution_create(
        by=None, name="通安镇便民服务中心", tier=2, division=d(code="320505101"), parent=county
    )
    town2 = institution_create(
        by=None, name="枫桥街道便民服务中心", tier=2, division=d(code="320505003"), parent=county
    )
    station = institution_create(
        by=None, name="树山村便民服务站", tier=3, division=d(code="320505101201"), parent=town
    )
    station2 = institution_create(
        by=None, name="通安社区便民服务站", tier=3, division=d(code="320505101001"), parent=town
    )
    station3 = institution_create(
        by=None, name="枫桥社区便民服务站", tier=3, division=d(code="320505003001"), parent=town2
    )
    other = institution_create(
        by=None, name="吴中区政务服务中心", tier=1, division=d(code="320506"), parent=None
    )
    dept = department_create(
        by=None, institution=county, name="区市场监督管理局", credit_code="91350100M000100Y43"
    )
    org = Org(county, town, town2, station, station2, station3, other, dept)
    org.users = {
        "sysadmin": make_user("sysadmin", county, [Role.SYSADMIN]),
        "county_admin": make_user("county_admin", county, [Role.CENTER_ADMIN]),
        "supervisor": make_user("supervisor", county, [Role.SUPERVISOR]),
        "catalog_admin": make_user("catalog_admin", county, [Role.CATALOG_ADMIN]),
        "coordinator": make_user("coordinator", county, [Role.COORDINATOR]),
        "chief_liaison": make_user("chief_liaison", county, [Role.CHIEF_LIAISON], dept),
        "liaison": make_user("liaison", county, [Role.LIAISON], dept),
        "town_admin": make_user("town_admin", town, [Role.CENTER_ADMIN]),
        "town_agent": make_user("town_agent", town, [Role.AGENT]),
        "station_agent": make_user("station_agent", station, [Role.AGENT]),
        "station2_agent": make_user("station2_agent", station2, [Role.AGENT]),
        "town2_agent": make_user("town2_agent", town2, [Role.AGENT]),
        "other_admin": make_user("other_admin", other, [Role.CENTER_ADMIN]),
    }
    return org


class CeleryWorker:
    """A real `celery -A bangban worker` process on a private queue, wired as production wires it.

    Use as a context manager; `send` sends a task by name through the same Redis broker.
    """

    def __init__(self, redis_url: str, *, env: dict | None = None):
        import uuid

        self.redis_url = redis_url
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.env = env or {}
        self.output = ""

    def __enter__(self):
        import os
        import subprocess
        import sys

        from celery import Celery

        # A None value removes the variable from the worker's environment.
        env = {
            k: v for k, v in (os.environ | {"REDIS_URL": self.redis_url} | self.env).items() if v is not None
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bangban",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.queue}@%h",
                "-l",
                "warning",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.client = Celery(broker=self.redis_url, backend=self.redis_url)
        return self

    def send(self, name: str, *args):
        return self.client.send_task(name, args=list(args), queue=self.queue)

    def __exit__(self, *exc):
        self.process.terminate()
        self.output = self.process.communicate(timeout=30)[0].decode(errors="replace")
        return False


def redis_url_or_skip() -> str:
    """TEST_REDIS_URL, or skip (fail when REQUIRE_REDIS says the run must include Redis)."""
    import os

    import pytest

    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("TEST_REDIS_URL is required (REQUIRE_REDIS) but not set")
        pytest.skip("TEST_REDIS_URL not set")
    return url


@contextmanager
def redis_cache(settings, backend: str = "bangban.core.cache.DegradingRedisCache"):
    """The default cache on TEST_REDIS_URL for one test, under a key prefix of its own; afterwards
    only its keys are deleted. Never cache.clear() there: that is FLUSHDB on a database shared with
    the Celery broker and results of tests running at the same time (a flush made a real worker's
    queued task vanish: notifications/tests/test_redis_worker.py timed out in CI)."""
    import uuid

    import redis
    from django.core.cache import caches

    url = redis_url_or_skip()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": prefix}}
    try:
        yield caches["default"]
    finally:
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(f"{prefix}:*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def api_token_for(user: User) -> str:
    """A working API token key for `user` (one place, so the token model can change under the tests)."""
    from bangban.accounts.services import token_issue

    return token_issue(by=None, user=user, name="测试令牌")[1]


def run_together(n, fn):
    """Run fn(0) … fn(n-1) in n threads released at once (real transactions, each thread its own
    connection): [("ok", result) | ("error", ServiceError code) | ("crash", repr)] in index order."""
    import threading

    from django.db import connection

    from bangban.core.errors import ServiceError

    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", fn(i))
        except ServiceError as exc:
            results[i] = ("error", exc.code)
        except Exception as exc:  # surfaced in the assertion message
            results[i] = ("crash", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
