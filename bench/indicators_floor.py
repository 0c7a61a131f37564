"""Per-request cost of the quality indicators in process (issue 10): the same random requests as
bench/indicators_load.py (its `paths`, same seeds), through Django's test client with production
settings, one at a time, signed in as the county centre administrator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_ind_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/indicators_floor.py [--target api|page] [--paths 200] [--rounds 1] \\
        [--profile 30] [--read-only]

For each path: the wall time, this process's CPU time (Python: Django, DRF, the selectors, psycopg),
the time spent waiting on the database (every query's execute, wall clock: PostgreSQL's work plus the
round trip) and the number of queries. Prints p50 / p99 / mean of each over the paths, after one
warm-up pass over all of them and gc.freeze() as the app server does (the steady state of a running
worker), the means by grouping, the slowest paths, and the CPU PostgreSQL's backends on the database
spent a request (from /proc: the server on this machine; other sessions on that database count too).
Measures nothing of the HTTP server: it is the per-request floor of the two targets, and stays
comparable on a loaded machine (CPU time) where wall-clock benchmarks are not. --profile N prints
cProfile's top N functions (after the warm-up) by cumulative time (--sort tottime: by own time).
--read-only: every transaction read-only and the session in the cache only, for a database someone
else benchmarks.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cases_load as cl  # noqa: E402  (after the path: run as a script)
from bench import indicators_load as il  # noqa: E402
from bench.cases_load import django_env  # noqa: E402


def _setup(read_only: bool) -> None:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_ind_bench")
    if read_only:  # every transaction read-only: a write would fail the run, not change the database
        url += ("&" if "?" in url else "?") + "options=-c%20default_transaction_read_only%3Don"
    os.environ.update(django_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django
    from django.conf import settings

    if read_only:  # the session in the cache only (cached_db writes its row)
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    django.setup()


def bench_paths(target: str, n: int) -> list[str]:
    """The load benchmark's random paths (the same seeds: the same requests)."""
    from django.utils import timezone

    from bangban.org.models import Institution

    county = Institution.objects.get(parent__isnull=True, name__contains="政务服务中心")
    institutions = list(Institution.objects.filter(path__startswith=county.path).values_list("id", flat=True))
    today = timezone.localdate()
    if target == "api":
        return il.paths("/api/v1/indicators/", institutions, today, seed=1)[:n]
    return il.paths("/supervision/", institutions, today, seed=2, by=False)[:n]


class _Queries:
    """Time and count every query of a request (connection.execute_wrapper)."""

    def __init__(self):
        self.seconds, self.count = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def _pg_backends_cpu() -> dict[int, float]:
    """{pid: CPU seconds so far} of PostgreSQL's backends on this database (same machine: /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [pid for (pid,) in cursor.fetchall()]
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return out


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _sign_in(client, user) -> None:
    """A session for `user` written straight into the session store: no login signal (which would
    write the user's last_login to the database)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def measure(paths: list[str], rounds: int, profiler=None) -> list[tuple[str, float, float, float, int]]:
    from django.db import connection
    from django.test import Client

    from bangban.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    _sign_in(client, User.objects.get(username=il.ADMIN))
    for path in paths:  # warm-up: every path once (compiled templates, connections, caches)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    gc.collect()
    gc.freeze()  # as the app server does after start-up (bangban/wsgi.py)
    out = []
    pg_before = _pg_backends_cpu() if connection.vendor == "postgresql" else {}
    if profiler is not None:
        profiler.enable()
    for _ in range(rounds):
        for path in paths:
            queries = _Queries()
            with connection.execute_wrapper(queries):
                wall, cpu = time.perf_counter(), time.process_time()
                client.get(path)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            out.append((path, wall * 1000, cpu * 1000, queries.seconds * 1000, queries.count))
    if profiler is not None:
        profiler.disable()
    if connection.vendor == "postgresql":
        pg_after = _pg_backends_cpu()
        spent = sum(cpu - pg_before.get(pid, 0.0) for pid, cpu in pg_after.items())
        print(f"PostgreSQL backends of this database: {1000 * spent / len(out):.2f} ms CPU a request (/proc)")
    return out


def report(label: str, results: list) -> None:
    print(f"{label}: {len(results)} requests, in process, one at a time")
    for name, i in (("wall", 1), ("CPU (this process)", 2), ("database (execute, wall)", 3)):
        values = [r[i] for r in results]
        print(
            f"  {name:<26} p50 {_pct(values, 50):7.2f} ms   p99 {_pct(values, 99):7.2f} ms   "
            f"mean {statistics.fmean(values):7.2f} ms"
        )
    print(f"  queries a request: mean {statistics.fmean(r[4] for r in results):.1f}")
    by_group: dict[str, list] = {}
    for r in results:
        group = next((p[3:] for p in r[0].split("?")[1].split("&") if p.startswith("by=")), "none")
        by_group.setdefault(group, []).append(r)
    print("  by grouping: " + ", ".join(
        f"{g} {len(rs)}× CPU {statistics.fmean(r[2] for r in rs):.2f} / db {statistics.fmean(r[3] for r in rs):.2f} ms"
        for g, rs in sorted(by_group.items())
    ))  # fmt: skip
    print("  slowest (wall, CPU, database ms):")
    for path, wall, cpu, db, n in sorted(results, key=lambda r: -r[1])[:5]:
        print(f"    {wall:7.2f} {cpu:7.2f} {db:7.2f}  {n:2} queries  {path}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=("api", "page"), default="api")
    parser.add_argument("--paths", type=int, default=il.PATHS)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the paths after the warm-up")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N (cumulative)")
    parser.add_argument(
        "--sort", default="cumulative", help="cProfile's order (--profile): cumulative, tottime"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="read-only transactions and sessions in the cache only (a database others benchmark)",
    )
    args = parser.parse_args()
    if args.target == "page":  # the page's static URLs need production's manifest
        cl.sh(cl.PY, "manage.py", "collectstatic", "--noinput", "-v0", env=django_env("sqlite://", ""))
    _setup(args.read_only)
    paths = bench_paths(args.target, args.paths)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        results = measure(paths, args.rounds, profiler)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
    else:
        results = measure(paths, args.rounds)
    report(args.target, results)


if __name__ == "__main__":
    main()
