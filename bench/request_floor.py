"""The per-request floor: what the project's middleware, session and signed-in user cost a view that
does nothing (/bench/bare/, bench/urls.py), in process, with production settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a database with the demo loaded> \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/request_floor.py [--n 2000] [--anonymous]
    … bench/request_floor.py --callgrind [--n 100]
    … bench/request_floor.py --http [--duration 10]

Prints the mean wall and CPU time per request of Django's test client against the WSGI handler (no
HTTP server). --http starts the app server as production runs it (granian, 2 workers) and runs wrk at
1 and 16 clients, signed in through the login form (or --anonymous). --callgrind runs the same twice under valgrind (N requests and none after the same
warm-up) and prints the difference in instructions per request: a figure that does not move with the
machine's load, for comparing two commits (run it in each checkout; it takes minutes).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARMUP = 30


def requests(n: int, anonymous: bool, path: str) -> None:
    from bench.cases_load import django_env

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_cases_bench")
    os.environ.update(django_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.test import Client

    from bangban.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    if not anonymous:
        client.force_login(User.objects.get(username="tongan.bangban"))
    for _ in range(WARMUP):
        assert client.get(path).status_code == 200
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        client.get(path)
    if n:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{path} ({'anonymous' if anonymous else 'signed in'}): {n} requests, "
              f"wall {1000 * wall / n:.3f} ms, CPU {1000 * cpu / n:.3f} ms a request")  # fmt: skip


def instructions(n: int, anonymous: bool, path: str) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    command += ["--n", str(n), "--path", path] + (["--anonymous"] if anonymous else [])
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT).stderr
    found = re.search(r"Collected : (\d+)", out)
    if not found:
        sys.exit(f"valgrind gave no count:\n{out[-2000:]}")
    return int(found.group(1))


def http(duration: int, anonymous: bool, path: str) -> None:
    from bench import cases_load as cl

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_cases_bench")
    env = cl.django_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    server = cl.start_server(env, workers=2)
    try:
        headers = {} if anonymous else {"Cookie": cl.login("tongan.bangban", "Gaoxin@2026!")}
        target = cl.Target("floor", path, [path], headers, "")
        print(cl.preflight(target))
        for clients in (1, 16):
            r = cl.run_wrk(cl.lua(target), clients, duration)
            print(f"{clients:>2} clients: p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, "
                  f"{r['rps']:.0f} req/s, non-2xx {r['non2xx']}")  # fmt: skip
    finally:
        cl.stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--path", default="/bench/bare/")
    parser.add_argument("--anonymous", action="store_true", help="no session (as a public page)")
    parser.add_argument("--callgrind", action="store_true", help="instructions per request (valgrind)")
    parser.add_argument("--http", action="store_true", help="through granian and wrk")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (--http)")
    args = parser.parse_args()
    if args.http:
        http(args.duration, args.anonymous, args.path)
        return
    if not args.callgrind:
        requests(args.n, args.anonymous, args.path)
        return
    n = min(args.n, 200)
    per = (instructions(n, args.anonymous, args.path) - instructions(0, args.anonymous, args.path)) / n
    print(
        f"{args.path} ({'anonymous' if args.anonymous else 'signed in'}): {per / 1e6:.2f} M instructions a request"
    )


if __name__ == "__main__":
    main()
