"""Benchmark of the GB/T 39046 export (bangban.exchange): N generated cases on PostgreSQL, then every
record kind exported whole (the command's path: keyset pages of 500, personal data decrypted, JSON lines)
and one API-sized page (100 records) from the middle of the change-time order.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_exchange_bench \\
        .venv/bin/python bench/exchange_export.py [--cases 100000] [--reuse]

Prints, per kind: records, seconds, records per second, and the time of one 100-record page.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cases_load as cl  # noqa: E402  (after the path: run as a script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the previous run")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    env = cl.django_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"))
    if not args.reuse:
        cl.recreate_database(url)
        cl.sh(cl.PY, "manage.py", "migrate", "-v0", env=env)
        cl.sh(cl.PY, "manage.py", "load_demo", env=env, stdout=subprocess.DEVNULL)
    cl.setup_django(env)
    from bangban.cases.models import Case
    from bangban.exchange import mapping, selectors, services
    from bangban.exchange.records import SOURCES

    if not args.reuse:
        from bench.generate import generate

        started = time.perf_counter()
        generate(url, args.cases, log=print)
        print(f"generated {args.cases:,} cases in {time.perf_counter() - started:.0f} s")
    print(f"{Case.objects.count():,} cases\n")
    print("| kind | records | export s | records/s | one 100-record page ms | invalid |")
    print("|---|---|---|---|---|---|")
    for kind in mapping.BY_CODE:
        invalid = 0
        size = 0

        def sink(records, kind=kind):
            nonlocal invalid, size
            invalid += sum(1 for r in records if mapping.validate(kind, r))
            size += sum(len(json.dumps(r, ensure_ascii=False)) for r in records)

        started = time.perf_counter()
        count, _ = services.exchange_export_all(by=None, kind=kind, sink=sink, via="bench")
        seconds = time.perf_counter() - started
        qs = selectors.export_queryset(kind=kind)
        middle = (
            qs.order_by(SOURCES[kind].changed, "id")[count // 2 : count // 2 + 1].first() if count else None
        )
        page_ms = float("nan")
        if middle is not None:
            from bangban.audit.paging import Cursor

            cursor = Cursor("a", getattr(middle, SOURCES[kind].changed), middle.pk)
            started = time.perf_counter()
            page = selectors.export_page(qs, kind=kind, cursor=cursor, limit=100)
            [SOURCES[kind].build(row) for row in page.rows]
            page_ms = (time.perf_counter() - started) * 1000
        rate = count / seconds if seconds else 0
        print(f"| {kind} | {count:,} | {seconds:.1f} | {rate:,.0f} | {page_ms:.0f} | {invalid} |")


if __name__ == "__main__":
    main()
