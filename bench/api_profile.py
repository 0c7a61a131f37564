"""Per-request CPU cost of the hot API calls, in process (no HTTP server, no other clients).

Run after `bench/cases_load.py` has built its database (or against any database with the demo loaded):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_cases_bench REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/api_profile.py [--n 2000] [--profile queue|create]

Prints the mean wall time per call of the WSGI application for the agent's work queue and for window
registration, and how much of it was this process's CPU (the rest is waiting on PostgreSQL and Redis);
with --profile, a cProfile of that call sorted by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--profile", choices=["healthz", "queue", "create"])
    args = parser.parse_args()

    from cases_load import django_env, registration

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_cases_bench")
    os.environ.update(django_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bangban.settings"
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    from bangban.accounts.models import User
    from bangban.accounts.services import token_issue
    from bangban.cases import clock
    from bangban.catalog.selectors import offered_items

    user = User.objects.get(username="tongan.bangban")
    _, key = token_issue(by=None, user=user, name="性能剖析")
    item = [v for v in offered_items(institution=user.institution, on=clock.today()) if v.allows("help", 2)][
        0
    ]
    body = json.dumps(registration(item.item_id)).encode()

    def environ(method: str, path: str, query: str = "", data: bytes = b"") -> dict:
        return {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {key}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "SERVER_PROTOCOL": "HTTP/1.1",
        }

    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def queue(i: int) -> None:
        b"".join(app(environ("GET", "/api/v1/cases/", f"mine=1&open=1&page={1 + i % 5}"), start_response))

    def create(i: int) -> None:
        b"".join(app(environ("POST", "/api/v1/cases/", data=body), start_response))

    def healthz(i: int) -> None:
        b"".join(app(environ("GET", "/healthz"), start_response))

    calls = {"healthz": healthz, "queue": queue, "create": create}
    for name, call in calls.items():
        for i in range(20):
            call(i)
        statuses.clear()
        n = max(args.n // 4, 50) if name == "create" else args.n
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            call(i)
        per = (time.perf_counter() - started) / n * 1000
        per_cpu = (time.process_time() - cpu) / n * 1000
        bad = [s for s in statuses if not s.startswith("20")]
        print(
            f"{name:6} {per:6.2f} ms per call, {per_cpu:5.2f} ms of it this process's CPU, over {n} calls "
            f"(non-2xx: {len(bad)} {bad[:1]})"
        )
    if args.profile:
        profiler = cProfile.Profile()
        call = calls[args.profile]
        profiler.enable()
        for i in range(300):
            call(i)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        by_package: dict[str, float] = {}
        for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
            package = "other"
            for marker in ("site-packages/", "/work/main/", "python3.11/"):
                if marker in filename:
                    package = filename.split(marker, 1)[1].split("/", 1)[0]
                    break
            by_package[package] = by_package.get(package, 0) + tottime
        print("own time per call by package (profiled, inflated):")
        for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {package:24} {seconds / 300 * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
