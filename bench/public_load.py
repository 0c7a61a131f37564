"""Load benchmark of the public pages (issue 11): the portal home, an item's guide, the tracking page,
anonymous, through HTTP, on PostgreSQL with a generated county.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_public_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/public_load.py [--cases 100000] [--duration 10] [--clients 16] [--workers 2] \\
        [--reuse]

What it does, printing each figure:
1. (Re)creates the bench database, migrates it, loads the demo organization and catalog and generates N
   cases (bench/generate.py, as bench/cases_load.py does): the popular items on the home count them.
2. Starts granian as production runs it (BANGBAN_ENV=production, Redis cache, DEBUG off) with
   bench/settings.py (adds /bench/bare/, the whole middleware stack answering "ok").
3. Checks each page answers 200, is the same for everyone (Cache-Control public on the cacheable ones,
   no Set-Cookie, no Vary: Cookie) and prints its weight: HTML plus its local stylesheets and scripts,
   each gzip-compressed (goal ≤ 60 KB a page).
4. wrk at 1 client and at --clients (16) for each page, rotating through item guides and tracking
   tokens; no proxy cache in front (the figures are the app's own). Goal: p50 ≤ 30 ms at 16 clients.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cases_load import (  # noqa: E402
    PORT,
    PY,
    ROOT,
    Target,
    _ms,
    _request,
    cpu_table,
    django_env,
    measure,
    recreate_database,
    setup_django,
    sh,
    unit_threads,
    worker_rss,
)

GOAL_P50_MS = 30
FIRST_VIEWS = 20_000  # cases for the first-view tracking target: ~2,000 drawn in a run, few twice
WEIGHT_LIMIT = 60 * 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"')


def public_paths(sample: int = 200) -> dict[str, list[str]]:
    """Item guides in force, tracking tokens of generated cases, a town and village of the demo area."""
    from django.utils import timezone

    from bangban.cases.models import Case
    from bangban.catalog.selectors import versions_in_force
    from bangban.portal import selectors

    items = list(
        versions_in_force(on=timezone.localdate()).order_by("?").values_list("item_id", flat=True)[:sample]
    )
    tokens = list(Case.objects.order_by("?").values_list("tracking_token", flat=True)[: sample + FIRST_VIEWS])
    towns = selectors.towns()
    near = []
    for town in towns:
        for village in selectors.villages(town)[:3]:
            near.append(f"/?town={town.code}&village={village.code}")
    if not items or not tokens or not near:
        sys.exit("no items, cases or villages: generate the database again (without --reuse)")
    return {
        "home": ["/"],
        "home-near": near,
        "guide": [f"/items/{pk}/" for pk in items],
        "track": [f"/cases/track/{t}/" for t in tokens[:sample]],
        # Pages nobody opened in this run: each is rendered, not served from the app's cache.
        "track-first": [f"/cases/track/{t}/" for t in tokens[sample:]],
    }


def weight(path: str) -> tuple[int, dict[str, int]]:
    """(compressed bytes of the page and its local assets, per part) as a browser would load them."""
    response, html = _request("GET", path, {"Accept-Encoding": "identity"})
    if response.status != 200:
        sys.exit(f"{path} answered HTTP {response.status}")
    parts = {path: len(gzip.compress(html, 6))}
    for href in ASSET.findall(html.decode()):
        asset_response, body = _request("GET", href, {"Accept-Encoding": "identity"})
        if asset_response.status != 200:
            sys.exit(f"{href} (from {path}) answered HTTP {asset_response.status}")
        parts[href] = len(gzip.compress(body, 6))
    return sum(parts.values()), parts


def check_public(name: str, path: str, cacheable: bool) -> None:
    response, _ = _request("GET", path)
    headers = {k.lower(): v for k, v in response.getheaders()}
    if response.status != 200:
        sys.exit(f"{name}: {path} answered HTTP {response.status}")
    if "set-cookie" in headers or "cookie" in headers.get("vary", "").lower():
        sys.exit(f"{name}: {path} sets or varies on a cookie: not the same page for everyone")
    if cacheable and "public" not in headers.get("cache-control", ""):
        sys.exit(f"{name}: {path} is not marked cacheable (Cache-Control: {headers.get('cache-control')})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run at --clients")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the existing bench database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_public_bench")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7")
    if not url.startswith("postgres"):
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    env = django_env(url, redis)
    if not args.reuse:
        recreate_database(url)
        sh(PY, "manage.py", "migrate", "-v0", env=env)
        sh(PY, "manage.py", "load_demo", env=env, stdout=subprocess.DEVNULL)
    setup_django(env)
    if not args.reuse:
        from bench.generate import generate

        print(f"generating {args.cases:,} cases:")
        started = time.perf_counter()
        generate(url, args.cases, log=print)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    paths = public_paths()
    from django.db import connections

    from bangban.cases.models import Case

    size = f"{Case.objects.count():,} cases"
    connections.close_all()
    sh(PY, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    server_env = env | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [
        PY, "-m", "granian", "--interface", "wsgi", "--workers", str(args.workers), *unit_threads(),
        "--host", "127.0.0.1",
        "--port", str(PORT), "--log-level", "warning", "--no-access-log", "bangban.wsgi:application",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=server_env, cwd=ROOT)
    targets = [
        Target("bare", "bare view, project middleware (anonymous)", ["/bench/bare/"], {}, ""),
        Target("home", "/ portal home", paths["home"], {}, "public"),
        Target("home-near", "/?town=…&village=… (nearest institutions)", paths["home-near"], {}, "public"),
        Target("guide", "/items/<id>/ item guide", paths["guide"], {}, "public"),
        Target(
            "track", "/cases/track/<token>/ tracking (200 cases, opened again)", paths["track"], {}, "public"
        ),
        Target(
            "track-first",
            "/cases/track/<token>/ tracking, first view",
            paths["track-first"],
            {},
            "public",
            draw=True,
        ),
    ]
    weights = {}
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for t in targets[1:]:
            check_public(t.name, t.paths[-1], cacheable=not t.name.startswith("track"))
            weights[t.name] = weight(t.paths[-1])
        load_before = f"{os.getloadavg()[0]:.2f}"
        for t in targets:
            measure(t, args.clients, args.duration)
            many = t.results["many"]
            print(f"  {t.name}: {many['rps']:.0f} req/s, p50 {_ms(many['p50'])}", flush=True)
        rss = worker_rss(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print()
    print(
        f"command: DATABASE_URL={url} REDIS_URL={redis} .venv/bin/python bench/public_load.py {' '.join(sys.argv[1:])}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs; load average {load_before} before, {os.getloadavg()[0]:.2f} after"
    )
    print(f"{size}; granian, {args.workers} workers; wrk {args.duration} s per run; no proxy cache in front")
    print(
        f"| page | 1 client p50 | {args.clients} clients p50 | p99 | req/s | non-2xx | p50 ≤ {GOAL_P50_MS} ms | KB gzip (≤ 60) |"
    )
    print("|" + "---|" * 8)
    for t in targets:
        one, many = t.results["single"], t.results["many"]
        met = (
            "—"
            if not t.goal
            else "yes"
            if many["p50"] is not None and many["p50"] <= GOAL_P50_MS and not many["non2xx"]
            else "NO"
        )
        kb = f"{weights[t.name][0] / 1024:.1f}" if t.name in weights else "—"
        print(f"| {t.label} | {_ms(one['p50'])} | {_ms(many['p50'])} | {_ms(many['p99'])} | {many['rps']:.0f} "
              f"| {one['non2xx'] + many['non2xx']} | {met} | {kb} |")  # fmt: skip
    for name, (total, parts) in weights.items():
        detail = ", ".join(f"{k.rsplit('/', 1)[-1] or k} {v:,}" for k, v in parts.items())
        flag = "" if total <= WEIGHT_LIMIT else "  OVER 60 KB"
        print(f"  {name}: {total:,} bytes gzip ({detail}){flag}")
    print(cpu_table(targets, args.clients))
    print(f"worker RSS: max {max(rss):.0f} MB over {len(rss)} workers")


if __name__ == "__main__":
    main()
