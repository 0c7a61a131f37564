"""Case-handling load benchmark (issue 4): 1,000,000 cases on PostgreSQL, measured through the HTTP API.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_cases_bench REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/cases_load.py [--cases 1000000] [--duration 20] [--clients 16] [--workers 3]

What it does, printing each figure:
1. (Re)creates the bench database, migrates it and loads the demo organization and catalog.
2. Generates N cases straight in SQL (generate_series), spread over every institution and agent of the
   demo county, 40 % of them open, due dates around today; then ANALYZE.
3. Starts the app server as production runs it (granian, 2 workers; BANGBAN_ENV=production, Redis
   cache/broker, DEBUG off); `--server gunicorn` for comparison.
4. wrk, 16 connections: GET the agent's work queue (/api/v1/cases/?mine=1&open=1&page=N, scoped,
   filtered, paginated), then POST /api/v1/cases/ registering and accepting at the window (each
   creation writes the case, its number, item, three timeline events and audit rows, the deadline
   change, the SMS outbox row, and queues the acceptance SMS through Redis after commit).
5. Prints the CPU each side (app server, PostgreSQL, Redis) spent per request, and the RSS of every
   web worker after the runs.
6. Unless --no-celery, a Celery worker with beat runs beside the server on the same CPUs, as a
   one-machine production does: it seals the audit chain every second, relays the SMS outbox and
   delivers the messages; the script prints how many audit rows were still unsealed 5 s after the runs.
Targets: creation ≥ 300 req/s; queue p50 ≤ 15 ms, p99 ≤ 60 ms; worker RSS ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = _free_port()


def sh(*args, env=None, **kw):
    return subprocess.run(args, env=env, check=True, cwd=ROOT, **kw)


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# One agent per ~500 cases (a province with 1M cases has thousands of agents), spread over every
# institution; the measured agent is the demo's tongan.bangban with a realistic queue.
AGENTS = """
WITH inst AS (SELECT array_agg(id ORDER BY id) AS ids FROM org_institution)
INSERT INTO accounts_user (password, is_superuser, username, full_name, phone, email, institution_id, is_active,
    is_staff, date_joined, must_change_password)
SELECT '!', false, 'bench.agent.' || g, '压测员' || g, '', '', inst.ids[1 + (g %% cardinality(inst.ids))], true,
    false, now(), false
FROM generate_series(1, %(n)s) AS g CROSS JOIN inst
"""
AGENT_ROLES = """
INSERT INTO accounts_roleassignment (user_id, role)
SELECT id, 'agent' FROM accounts_user WHERE username LIKE 'bench.agent.%'
"""

GENERATE = """
WITH inst AS (
    SELECT array_agg(i.id ORDER BY i.id) AS ids FROM org_institution i
), agents AS (
    SELECT u.institution_id, array_agg(u.id ORDER BY u.id) AS ids
    FROM accounts_user u JOIN accounts_roleassignment r ON r.user_id = u.id AND r.role = 'agent'
    GROUP BY u.institution_id
), fallback AS (SELECT min(id) AS id FROM accounts_user)
INSERT INTO cases_case (number, kind, mode, status, version, channel, priority_group, summary,
    applicant_type, applicant_name, applicant_id_encrypted, applicant_id_hash, applicant_id_masked,
    credit_code, contact_name, phone_encrypted, phone_hash, phone_masked, institution_id, agent_id, created_by_id, created_at, updated_at,
    accepted_on, promised_days, is_immediate, extension_days, due_date, clock_stopped, finished_at, result,
    termination_reason, tracking_token)
SELECT
    'BENCH-' || g,
    CASE WHEN g %% 3 = 0 THEN 'agency' ELSE 'help' END,
    CASE WHEN g %% 3 = 0 THEN 'agency' ELSE 'assist' END,
    s.status, 1, 'window', '', '',
    'person', '申请人' || g, '', md5(g::text), '3205**********' || lpad((g %% 10000)::text, 4, '0'),
    '', '', '', md5('p' || g), '138****' || lpad((g %% 10000)::text, 4, '0'),
    p.inst, COALESCE(a.ids[1 + (g %% cardinality(a.ids))], (SELECT id FROM fallback)), (SELECT id FROM fallback),
    now() - ((g %% 720) || ' days')::interval, now(),
    current_date - (g %% 720), 5, false, 0,
    current_date + ((g %% 40) - 15), s.status = 'suspended',
    CASE WHEN s.status IN ('completed', 'archived') THEN now() ELSE NULL END, '', '', md5('t' || g)
FROM generate_series(1, %(n)s) AS g
CROSS JOIN inst
CROSS JOIN LATERAL (SELECT inst.ids[1 + (g %% cardinality(inst.ids))] AS inst) p
LEFT JOIN agents a ON a.institution_id = p.inst
CROSS JOIN LATERAL (SELECT (ARRAY['completed','archived','completed','archived','completed','archived',
    'in_progress','accepted','suspended','consulting'])[1 + (g %% 10)] AS status) s
"""


def generate_cases(url: str, n: int) -> float:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(AGENTS, {"n": max(n // 500, 20)})
        conn.execute(AGENT_ROLES)
        conn.execute(GENERATE, {"n": n})
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def registration(item_id: int) -> dict:
    """The measured request: a 帮办 registered and accepted at the window."""
    return {
        "kind": "help",
        "mode": "assist",
        "applicant_type": "person",
        "applicant_name": "压测",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "items": [item_id],
        "accept_now": True,
    }


def django_env(url: str, redis: str) -> dict:
    import secrets

    return os.environ | {
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "BANGBAN_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "BANGBAN_FIELD_KEYS": "bench:" + secrets.token_hex(16),
        "BANGBAN_LOOKUP_KEY": secrets.token_hex(32),
        "BANGBAN_AUDIT_KEY": "bench-audit-" + "a" * 40,
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }


def setup_api(env: dict) -> dict:
    code = (
        "import json;from bangban.accounts.models import User;from bangban.accounts.services import token_issue;"
        "from bangban.catalog.selectors import offered_items;from bangban.cases import clock;"
        "u=User.objects.get(username='tongan.bangban');_,t=token_issue(by=None,user=u,name='压测');"
        "v=[x for x in offered_items(institution=u.institution,on=clock.today()) if x.allows('help',2)][0];"
        "print(json.dumps({'token':t,'item':v.item_id}))"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


CREATE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token %(token)s"
wrk.body = '%(body)s'
"""

QUEUE_LUA = """
wrk.headers["Authorization"] = "Token %(token)s"
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/cases/?mine=1&open=1&page=" .. (1 + n %% 5))
end
"""


def run_wrk(script: str, path: str, clients: int, duration: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, clients)}",
            f"-c{clients}",
            f"-d{duration}s",
            "--latency",
            "-s",
            f.name,
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)

    def ms(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return None
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": ms("50"),
        "p99": ms("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
        "raw": out,
    }


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the app server's processes, PostgreSQL's and Redis's (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = {"app": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        if "bangban.wsgi" in cmd:
            totals["app"] += used
        elif cmd.startswith("postgres"):
            totals["postgres"] += used
        elif cmd.startswith("redis-server"):
            totals["redis"] += used
    return totals


def measured(run, *args) -> dict:
    """run_wrk plus the CPU each side spent per request (where the time goes)."""
    before = cpu_seconds()
    result = run(*args)
    after = cpu_seconds()
    requests = max(result["rps"] * args[-1], 1)
    result["cpu"] = {k: (after[k] - before[k]) / requests * 1000 for k in before}
    return result


def cpu_line(result: dict) -> str:
    return "CPU per request: " + ", ".join(f"{k} {v:.2f} ms" for k, v in result["cpu"].items())


def worker_rss(master_pid: int) -> list[float]:
    out = subprocess.run(
        ["ps", "-o", "pid=,rss=", "--ppid", str(master_pid)], capture_output=True, text=True
    ).stdout
    return [int(line.split()[1]) / 1024 for line in out.strip().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--reuse", action="store_true", help="keep the existing bench database")
    parser.add_argument(
        "--no-celery",
        action="store_true",
        help="do not run the Celery worker with beat beside the server (production seals the audit "
        "chain and relays SMS there, on the same CPUs)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_cases_bench")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    if not url.startswith("postgres"):
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    env = django_env(url, redis)
    if not args.reuse:
        recreate_database(url)
        sh(PY, "manage.py", "migrate", "-v0", env=env)
        sh(PY, "manage.py", "load_demo", env=env, stdout=subprocess.DEVNULL)
        seconds = generate_cases(url, args.cases)
        print(f"generated {args.cases:,} cases in {seconds:.1f} s")
    api = setup_api(env)
    body = json.dumps(
        registration(api["item"]),
        ensure_ascii=False,
    )
    sh(PY, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    if args.server == "granian":  # production's server (README, Deployment)
        command = [
            PY, "-m", "granian", "--interface", "wsgi", "--workers", str(args.workers),
            "--blocking-threads", str(args.threads), "--host", "127.0.0.1", "--port", str(PORT),
            "--log-level", "warning", "--no-access-log", "bangban.wsgi:application",
        ]  # fmt: skip
    else:
        command = [
            PY, "-m", "gunicorn", "bangban.wsgi", "-w", str(args.workers), "--threads", str(args.threads),
            "-b", f"127.0.0.1:{PORT}", "--max-requests", "0", "--log-level", "warning",
        ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    celery = None
    if not args.no_celery:  # as production runs: beat seals the audit chain and relays the SMS outbox
        celery = subprocess.Popen(
            [PY, "-m", "celery", "-A", "bangban", "worker", "-B", "--concurrency", "1", "-l", "warning"],
            env=env,
            cwd=ROOT,
        )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        # Warm up: every worker imports the views and opens its database connection.
        run_wrk(QUEUE_LUA % {"token": api["token"]}, "/", args.clients, 3)
        # Reads first: the writes' aftermath (checkpoints, autovacuum) must not land on the queue's figures.
        queue = measured(run_wrk, QUEUE_LUA % {"token": api["token"]}, "/", args.clients, args.duration)
        # One client: the service time of a queue request without waiting behind 15 others.
        single = run_wrk(QUEUE_LUA % {"token": api["token"]}, "/", 1, max(args.duration // 2, 5))
        create = measured(
            run_wrk,
            CREATE_LUA % {"token": api["token"], "body": body.replace("'", "\\'")},
            "/api/v1/cases/",
            args.clients,
            args.duration,
        )
        rss = worker_rss(server.pid)
        if celery is not None:
            time.sleep(5)  # beat's last seal runs
            unsealed = subprocess.run(
                [PY, "manage.py", "shell", "-c",
                 "from bangban.audit.models import AuditEvent;"
                 "print(AuditEvent.objects.filter(seal_seq__isnull=True).count())"],
                env=env, cwd=ROOT, check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if celery is not None:
            celery.send_signal(signal.SIGTERM)
            celery.wait(timeout=60)
    print(
        f"case creation: {create['rps']:.0f} req/s (p50 {create['p50']:.1f} ms, p99 {create['p99']:.1f} ms, "
        f"non-2xx {create['non2xx']}) — target ≥ 300 req/s"
    )
    print(f"               {cpu_line(create)}")
    print(
        f"work queue:    {queue['rps']:.0f} req/s, p50 {queue['p50']:.1f} ms, p99 {queue['p99']:.1f} ms "
        f"(non-2xx {queue['non2xx']}) — target p50 ≤ 15 ms, p99 ≤ 60 ms"
    )
    print(f"               {cpu_line(queue)}")
    print(
        f"work queue, 1 client: {single['rps']:.0f} req/s, p50 {single['p50']:.1f} ms, p99 {single['p99']:.1f} ms"
    )
    print(f"worker RSS:    max {max(rss):.0f} MB over {len(rss)} workers — target ≤ 150 MB")
    if celery is not None:
        print(f"audit rows not yet sealed 5 s after the runs (Celery beat beside the server): {unsealed}")


if __name__ == "__main__":
    main()
