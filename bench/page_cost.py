"""What one staff page costs in process, and how much of it is Django compiling SQL (issue 9).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_ind_bench REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/page_cost.py /staff/ [/cases/<id>/ …] [--user tongan.bangban] [--n 100]

For each path, signed in as --user through Django's test client (production settings, no HTTP
server): CPU per request, the part spent in SQLCompiler.as_sql (the ORM turning querysets into SQL,
outermost calls only) and in cursor execution (sending, waiting excluded from CPU), and statements
per request. Run `manage.py collectstatic` for these settings first (bench/cases_load.py does).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--user", default="tongan.bangban")
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()

    from bench.cases_load import django_env

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_ind_bench")
    os.environ.update(django_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.db.backends import utils
    from django.db.models.sql import compiler
    from django.test import Client

    from bangban.accounts.models import User

    spent = {"compile": 0.0, "execute": 0.0, "statements": 0}
    as_sql, execute, depth = compiler.SQLCompiler.as_sql, utils.CursorWrapper._execute, [0]

    def timed_as_sql(self, *a, **kw):
        if depth[0]:  # a subquery's compiling is its statement's
            return as_sql(self, *a, **kw)
        depth[0] += 1
        started = time.process_time()
        try:
            return as_sql(self, *a, **kw)
        finally:
            spent["compile"] += time.process_time() - started
            depth[0] -= 1

    def timed_execute(self, *a, **kw):
        started = time.process_time()
        spent["statements"] += 1
        try:
            return execute(self, *a, **kw)
        finally:
            spent["execute"] += time.process_time() - started

    compiler.SQLCompiler.as_sql, utils.CursorWrapper._execute = timed_as_sql, timed_execute
    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    client.force_login(User.objects.get(username=args.user))
    for path in args.paths:
        for _ in range(10):
            status = client.get(path).status_code
            if status != 200:
                sys.exit(f"{path}: HTTP {status}")
        spent.update(compile=0.0, execute=0.0, statements=0)
        started = time.process_time()
        for _ in range(args.n):
            client.get(path)
        cpu = (time.process_time() - started) / args.n * 1000
        print(
            f"{path}: CPU {cpu:.2f} ms a request, of which compiling SQL {spent['compile'] / args.n * 1000:.2f} ms "
            f"and executing {spent['execute'] / args.n * 1000:.2f} ms; {spent['statements'] / args.n:.1f} statements"
        )


if __name__ == "__main__":
    main()
