"""Load benchmark of the quality indicators (issue 10): N cases, reviews and complaints on PostgreSQL,
counters rebuilt in bulk, 16 clients asking the API for random subtrees and periods, and the
supervisor's dashboard page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_ind_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/indicators_load.py [--cases 1000000] [--reviews 1000000] \\
        [--complaints 100000] [--duration 20] [--clients 16] [--reuse] [--rebuild-only]

1. (Re)creates the bench database, migrates it, loads the demo organization and catalog and generates N
   cases with bench/generate.py (the cases benchmark's generator), then the reviews (with their
   rectifications and 回访) and complaints with bench/generate_feedback.py (COPY, in batches); then
   rebuilds the indicator counters from the raw rows with `facts_recompute` (the same classifiers the
   services use), timed.
2. Starts the app server as production runs it (granian, 2 workers; bench/settings.py adds /bench/bare/).
3. Logs in as the county centre administrator (zhongxin: SUPERVISION_VIEW over the whole county) and
   measures with wrk, rotating through PATHS random requests each: the API for random subtrees (any
   institution of the county), random periods (day / week / month / quarter / year / a random range
   within two years) and random groupings; the dashboard page likewise.
Targets (issue 10, 1M cases, 16 clients): API p50 ≤ 50 ms, p99 ≤ 150 ms; dashboard page p50 ≤ 200 ms.
`--reuse` migrates the kept database first. bench/indicators_floor.py measures the same requests' cost
in process (CPU, database time), one at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cases_load as cl  # noqa: E402  (after the path: run as a script)

ADMIN = "zhongxin"
PATHS = 200
PRESETS = ("day", "week", "month", "quarter", "year", "range")
GROUPS = ("", "", "", "institution", "tier", "agent", "item", "department")
GOALS = {"api": "p50 ≤ 50, p99 ≤ 150 ms", "page": "p50 ≤ 200 ms", "": "—"}


def query(rng: random.Random, institutions: list[int], today: dt.date, *, by: bool = True) -> str:
    """One random request's query string: a subtree, a period and (for the API) a grouping."""
    preset = rng.choice(PRESETS)
    params = [f"root={rng.choice(institutions)}", f"preset={preset}"]
    if preset == "range":
        start = today - dt.timedelta(days=rng.randint(0, 700))
        end = min(today, start + dt.timedelta(days=rng.randint(0, 365)))
        params += [f"start={start}", f"end={end}"]
    else:
        params.append(f"on={today - dt.timedelta(days=rng.randint(0, 700))}")
    group = rng.choice(GROUPS) if by else ""
    if group:
        params.append(f"by={group}")
    return "&".join(params)


def paths(prefix: str, institutions: list[int], today: dt.date, *, seed: int, by: bool = True) -> list[str]:
    rng = random.Random(seed)
    return [f"{prefix}?{query(rng, institutions, today, by=by)}" for _ in range(PATHS)]


def meets(goal: str, r: dict) -> bool | None:
    if not goal:
        return None
    if r["non2xx"] or r["p50"] is None:
        return False
    if goal == "api":
        return r["p50"] <= 50 and r["p99"] <= 150
    return r["p50"] <= 200


def table(measured: list, clients: int) -> str:
    lines = [
        f"| target | 1 client p50 | {clients} clients p50 | p99 | req/s | non-2xx | goal | met |",
        "|" + "---|" * 8,
    ]
    for t in measured:
        one, many = t.results["single"], t.results["many"]
        ok = meets(t.goal, many)
        lines.append(
            f"| {t.label} | {cl._ms(one['p50'])} | {cl._ms(many['p50'])} | {cl._ms(many['p99'])} "
            f"| {many['rps']:.0f} | {one['non2xx'] + many['non2xx']} | {GOALS[t.goal]} "
            f"| {'—' if ok is None else 'yes' if ok else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument(
        "--rebuild-only",
        action="store_true",
        help="stop after generating the rows and rebuilding the counters",
    )
    cl.add_common_arguments(parser)  # --reuse keeps the counters too
    args = parser.parse_args()
    url, redis, env = cl.bench_environment(
        "postgres://postgres@127.0.0.1:5432/bangban_ind_bench", "redis://127.0.0.1:6379/3"
    )
    if args.reuse:  # a schema change since the database was made (an index of the counters) applies too
        cl.sh(cl.PY, "manage.py", "migrate", "-v0", env=env)
    cl.prepare_database(url, env, reuse=args.reuse)
    from django.db import connections
    from django.utils import timezone

    from bangban.cases.models import Case
    from bangban.complaints.models import Complaint
    from bangban.evaluations.models import Review
    from bangban.org.models import Institution
    from bangban.supervision.models import DailyFact

    if not args.reuse:
        from bangban.supervision.services import facts_recompute
        from bench.generate import generate
        from bench.generate_feedback import generate_feedback

        print(f"generating {args.cases:,} cases:")
        started = time.perf_counter()
        generate(url, args.cases, log=print)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        print(f"generating {args.reviews:,} reviews and {args.complaints:,} complaints:")
        generate_feedback(url, reviews=args.reviews, complaints=args.complaints, log=print)
        started = time.perf_counter()
        rows = facts_recompute(progress=lambda message: print("  " + message, flush=True))
        print(f"counters rebuilt from the raw rows: {rows:,} rows in {time.perf_counter() - started:.0f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"peak memory of this process: {peak:,} MB")
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE supervision_dailyfact, supervision_rollupfact")
        if args.rebuild_only:
            return
    county = Institution.objects.get(parent__isnull=True, name__contains="政务服务中心")
    institutions = list(Institution.objects.filter(path__startswith=county.path).values_list("id", flat=True))
    sizes = (
        f"{Case.objects.count():,} cases, {Review.objects.count():,} reviews, {Complaint.objects.count():,} "
        f"complaints, {DailyFact.objects.count():,} counter rows, {len(institutions)} institutions"
    )
    today = timezone.localdate()
    connections.close_all()
    server = cl.start_server(env, workers=args.workers)
    try:
        from bangban.org.demo import DEMO_PASSWORD

        cookie = {"Cookie": cl.login(ADMIN, DEMO_PASSWORD)}
        chosen = [
            cl.Target("bare", "bare view, project middleware", ["/bench/bare/"], cookie, ""),
            cl.Target(
                "api", "API GET /api/v1/indicators/ (random subtree, period, grouping)",
                paths("/api/v1/indicators/", institutions, today, seed=1), cookie, "api",
            ),
            cl.Target(
                "page", "/supervision/ dashboard (random subtree and period)",
                paths("/supervision/", institutions, today, seed=2, by=False), cookie, "page",
            ),
        ]  # fmt: skip
        load_before = f"{os.getloadavg()[0]:.2f}"
        for t in chosen:
            print(cl.preflight(t))
        for t in chosen:
            cl.measure(t, args.clients, args.duration)
            many = t.results["many"]
            print(f"  {t.name}: {many['rps']:.0f} req/s, p50 {cl._ms(many['p50'])}", flush=True)
    finally:
        cl.stop(server)
    print()
    print(
        f"command: DATABASE_URL={url} REDIS_URL={redis} python bench/indicators_load.py {' '.join(sys.argv[1:])}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs; load average {load_before} before the runs, {os.getloadavg()[0]:.2f} after"
    )
    print(f"{sizes}; granian, {args.workers} workers; wrk {args.duration} s per run")
    print(table(chosen, args.clients))


if __name__ == "__main__":
    main()
