"""Time /audit/ (or the audit API) on a big database with the Django test client, and EXPLAIN ANALYZE
the search's statement for each case (issue 9). Database: scripts/audit_rows.sql.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_wt_audit_big BANGBAN_ENV=production \\
        DEBUG=false ... .venv/bin/python scripts/audit_search_measure.py [--path /api/v1/audit-events/]
        [--runs 5] [--explain]

Production-like settings need the production keys and `bangban collectstatic` (see bench/cases_load.py
for the environment). Prints the median time of each request and, with --explain, the statement's
execution time as PostgreSQL reports it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangban.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bangban.accounts.models import User  # noqa: E402
from bangban.audit.forms import AuditSearchForm  # noqa: E402
from bangban.audit.paging import Cursor  # noqa: E402
from bangban.audit.selectors import audit_list  # noqa: E402

DAY = (timezone.localdate() - dt.timedelta(days=180)).isoformat()
MONTH_END = (timezone.localdate() - dt.timedelta(days=151)).isoformat()
DEEP = Cursor("b", timezone.now() - dt.timedelta(days=180), 10**15).encode()
CASES = [
    ("zhongxin", "first page", {}),
    ("zhongxin", "older page, 180 days back", {"cursor": DEEP}),
    ("zhongxin", "actor: username", {"actor": "gen14_3"}),
    ("zhongxin", "actor: name prefix 陈", {"actor": "陈"}),
    ("zhongxin", "actor: name prefix, no such name", {"actor": "zzz"}),
    ("zhongxin", "action: cases.case.suspend", {"action": "cases.case.suspend"}),
    ("zhongxin", "action: auth.login_failed", {"action": "auth.login_failed"}),
    ("zhongxin", "action prefix: catalog", {"action": "catalog"}),
    ("zhongxin", "object: cases.case 12345", {"object_type": "cases.case", "object_id": "12345"}),
    ("zhongxin", "one day", {"from": DAY, "to": DAY}),
    ("zhongxin", "30 days", {"from": DAY, "to": MONTH_END}),
    ("zhongxin", "institution: a station", {"institution": "15"}),
    ("zhongxin", "institution: a town (subtree)", {"institution": "14"}),
    ("zhongxin", "station + action", {"institution": "15", "action": "cases.case.suspend"}),
    ("zhongxin", "username + action", {"actor": "gen14_3", "action": "cases.case.suspend"}),
    ("zhongxin", "name prefix + 30 days", {"actor": "陈", "from": DAY, "to": MONTH_END}),
    ("zhongxin", "name prefix + action", {"actor": "陈伟1", "action": "cases.case.suspend"}),
    ("zhongxin", "text (IP) within one day", {"text": "10.7.3.8", "from": DAY, "to": DAY}),
    ("tongan.admin", "town admin: first page", {}),
    ("admin", "top sysadmin: first page", {}),
]


def explain_ms(user, params) -> str:
    form = AuditSearchForm(params, user=user)
    if not form.is_valid():
        return "invalid"
    qs = audit_list(user=user, **form.filters())
    cursor = form.cleaned_data["cursor"]
    if cursor is not None:
        from bangban.audit.paging import _older_than

        qs = qs.filter(_older_than(cursor))
    plan = qs.order_by("-at", "-id")[:51].explain(analyze=True)
    return re.search(r"Execution Time: ([\d.]+) ms", plan).group(1) + " ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default="/audit/")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    clients = {}
    for username, label, params in CASES:
        user = User.objects.get(username=username)
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(user)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = clients[username].get(args.path, params)
            times.append((time.perf_counter() - start) * 1000)
        sql = f"  statement {explain_ms(user, params)}" if args.explain else ""
        print(
            f"{response.status_code} {statistics.median(times):8.1f} ms  {username:13} {label}{sql}",
            flush=True,
        )


if __name__ == "__main__":
    main()
