"""Load benchmark of the agent's daily screens and the API (issues 4, 9): N cases on PostgreSQL, through HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_cases_bench REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/cases_load.py [--cases 1000000] [--duration 20] [--clients 16] [--workers 2] \\
        [--reuse] [--no-celery] [--only queue,case,api-create]

What it does, printing each figure:
1. (Re)creates the bench database, migrates it, loads the demo organization and catalog, and generates
   N cases with their applicants, items, timelines and audit rows (bench/generate.py: the measured agent
   tongan.bangban holds 3,000 open cases and 4,500 closed, ~1,000 open per other agent, ~4 audit rows a
   case); `--reuse` keeps the database of an earlier run (the keys are fixed, so its hashes still match).
   The measured registrations are posted by a colleague of tongan.bangban at the same institution, so
   the measured queue does not grow from run to run.
2. Starts the app server as production runs it (granian, 2 workers; BANGBAN_ENV=production, Redis
   cache/sessions/broker, DEBUG off) with bench/settings.py, which adds one URL to the app's:
   /bench/bare/, a view that returns "ok" behind the whole middleware stack (the ratio column), and
   /bench/floor/, the least a staff list page costs (the layout, one indexed statement, 30 rows).
   Unless --no-celery, a Celery worker with beat runs beside it on the same CPUs, as a one-machine
   production does (it seals the audit chain every second, relays and delivers the SMS).
3. Logs in through the login form (CSRF cookie and token, then the session cookie) as tongan.bangban
   (agent) and zhongxin (center admin); checks every URL answers 200 (not a redirect to the login).
4. wrk at 1 client and at --clients (16) for each target below (1 s warm-up first; before each run it
   waits until the server has answered the previous run's backlog); pages rotate through several
   ids / names / phones so no single row stays hot in a cache.
5. Prints one table (1-client p50; 16-client p50, p99, req/s; target; ratio to the bare view), the CPU
   each side (app server, PostgreSQL, Redis, Celery) spent per request (every process of each on the
   machine: run it on a quiet one), the RSS of every web worker, and how many audit rows the sealer had
   not reached 5 s after the runs.
Targets (issue 9, 1M cases, 16 clients): pages p50 ≤ 50 ms, p99 ≤ 200 ms; API queue p50 ≤ 15 ms;
registration ≥ 300 req/s; worker RSS ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import html
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
from dataclasses import dataclass, field
from datetime import timedelta
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = _free_port()
AGENT, ADMIN = "tongan.bangban", "zhongxin"


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


# Every registration the bench posts carries this phone: the search fixtures leave those cases out (a
# --reuse run would otherwise search a phone thousands of earlier registrations share).
REGISTRATION_PHONE = "13812345678"


def registration(item_id: int) -> dict:
    """The measured request: a 帮办 registered and accepted at the window."""
    return {
        "kind": "help",
        "mode": "assist",
        "applicant_type": "person",
        "applicant_name": "压测",
        "id_number": "11010519491231002X",
        "phone": REGISTRATION_PHONE,
        "items": [item_id],
        "accept_now": True,
    }


def django_env(url: str, redis: str) -> dict:
    # Fixed keys: a --reuse run must find the hashes and decrypt the values an earlier run generated.
    return os.environ | {
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "BANGBAN_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "BANGBAN_FIELD_KEYS": "bench:" + "5b" * 16,
        "BANGBAN_LOOKUP_KEY": "bench-lookup-" + "l" * 40,
        "BANGBAN_AUDIT_KEY": "bench-audit-" + "a" * 40,
        "LOG_LEVEL": "WARNING",
    }


def setup_django(env: dict) -> None:
    """Django in this process, with the server's settings and keys (generation, fixtures)."""
    import django

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bangban.settings"
    django.setup()


# --- what every load benchmark here shares (cases, projects, indicators) -------------------------


def add_common_arguments(
    parser: argparse.ArgumentParser, *, duration_help: str = "seconds per run at --clients"
):
    """--duration, --clients, --workers and --reuse, the same in every benchmark."""
    parser.add_argument("--duration", type=int, default=20, help=duration_help)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the existing bench database")


def bench_environment(default_url: str, default_redis: str) -> tuple[str, str, dict]:
    """(database URL, Redis URL, the server's environment) from DATABASE_URL / REDIS_URL; exits unless
    the database is PostgreSQL and wrk is installed."""
    url = os.environ.get("DATABASE_URL", default_url)
    redis = os.environ.get("REDIS_URL", default_redis)
    if not url.startswith("postgres"):
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    return url, redis, django_env(url, redis)


def prepare_database(url: str, env: dict, *, reuse: bool) -> None:
    """Unless `reuse`: a new database, migrated, with the demo organization and catalog (load_demo).
    Then Django in this process."""
    if not reuse:
        recreate_database(url)
        sh(PY, "manage.py", "migrate", "-v0", env=env)
        sh(PY, "manage.py", "load_demo", env=env, stdout=subprocess.DEVNULL)
    setup_django(env)


UNIT = ROOT / "deploy" / "systemd" / "bangban-web@.service"


def unit_threads() -> list[str]:
    """granian's thread flags as the shipped unit sets them (--blocking-threads, --backpressure): the
    benchmarks measure the server production runs, from that one place."""
    unit = UNIT.read_text()
    return [
        f
        for name in ("--blocking-threads", "--backpressure")
        for f in (name, re.search(rf"{name} (\d+)", unit)[1])
    ]


def start_server(
    env: dict, *, workers: int, threads: int | None = None, server: str = "granian"
) -> subprocess.Popen:
    """The app server as production runs it (bench/settings.py adds /bench/bare/), once /healthz answers.
    threads=None: the shipped unit's thread flags (unit_threads)."""
    sh(PY, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    server_env = env | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    if server == "granian":  # production's server (README, Deployment)
        command = [
            PY, "-m", "granian", "--interface", "wsgi", "--workers", str(workers),
            *(["--blocking-threads", str(threads)] if threads else unit_threads()), "--host", "127.0.0.1",
            "--port", str(PORT), "--log-level", "warning", "--no-access-log", "bangban.wsgi:application",
        ]  # fmt: skip
    else:
        command = [
            PY, "-m", "gunicorn", "bangban.wsgi", "-w", str(workers), "--threads", str(threads or 1),
            "-b", f"127.0.0.1:{PORT}", "--max-requests", "0", "--log-level", "warning",
        ]  # fmt: skip
    process = subprocess.Popen(command, env=server_env, cwd=ROOT)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return process


def stop(process: subprocess.Popen, timeout: int = 30) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=timeout)


@dataclass
class Fixtures:
    token: str  # the measured agent's (the API queue)
    registering_token: str  # a colleague's at the same institution (registrations)
    item: int
    case_ids: list[int]
    surnames: list[str]
    name_prefixes: list[str]
    phones: list[str]
    phone_numbers: list[str]  # the case number each phone's search must show
    actor: str
    date_from: str
    date_to: str


def fixtures(sample: int = 50) -> Fixtures:
    """What the measured requests need, read through the ORM: an API token and an offered item for the
    agent, some of the agent's cases, name prefixes and phone numbers of cases the agent's queue holds."""
    from bangban.accounts.models import User
    from bangban.accounts.services import token_issue
    from bangban.cases import clock
    from bangban.cases.models import OPEN_STATUSES, Case
    from bangban.catalog.selectors import offered_items
    from bangban.core import crypto

    user = User.objects.get(username=AGENT)
    _, token = token_issue(by=None, user=user, name="压测")
    # Registrations are posted by a colleague at the same window: the measured agent's queue stays as
    # generated (3,000 open) however many runs reuse the database, instead of growing by each run's
    # thousands of registrations.
    colleague = (
        User.objects.filter(institution=user.institution, username__startswith="bench.agent.")
        .order_by("username")
        .first()
    )
    if colleague is None:
        sys.exit(f"{AGENT}'s institution has no other agent: generate the database again (without --reuse)")
    _, colleague_token = token_issue(by=None, user=colleague, name="压测")
    item = [v for v in offered_items(institution=user.institution, on=clock.today()) if v.allows("help", 2)][
        0
    ]
    mine = Case.objects.filter(agent=user).order_by("?")
    case_ids = list(mine.values_list("id", flat=True)[:200])
    people = list(
        mine.filter(status__in=OPEN_STATUSES, applicant_type="person")
        .exclude(phone_hash=crypto.lookup_hash(REGISTRATION_PHONE))
        .values_list("applicant_name", "phone_encrypted", "number")[:sample]
    )
    if not case_ids or not people:
        sys.exit(f"{AGENT} holds no cases: generate the database again (without --reuse)")
    today = clock.today()
    return Fixtures(
        token=token,
        registering_token=colleague_token,
        item=item.item_id,
        case_ids=case_ids,
        surnames=sorted({name[:1] for name, _, _ in people}),
        name_prefixes=sorted({name[:2] for name, _, _ in people}),
        phones=[crypto.decrypt(phone) for _, phone, _ in people],
        phone_numbers=[number for _, _, number in people],
        actor=AGENT,
        date_from=str(today - timedelta(days=37)),
        date_to=str(today - timedelta(days=30)),
    )


# --- logging in through the login form ----------------------------------------------------------


def _cookies(response) -> dict[str, str]:
    out = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def _request(method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{PORT}", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def login(username: str, password: str) -> str:
    """The Cookie header of a session opened through the login form, as a browser does: GET the form
    (CSRF cookie + token), POST the credentials, keep the session cookie. (Production cookies are
    Secure and __Host- prefixed; a browser would not send them over plain HTTP, so they are kept here.)"""
    response, body = _request("GET", "/accounts/login/")
    jar = _cookies(response)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if response.status != 200 or not token:
        sys.exit(f"login form: HTTP {response.status}, no CSRF token")
    form = urlencode(
        {
            "csrfmiddlewaretoken": html.unescape(token.group(1).decode()),
            "username": username,
            "password": password,
        }
    ).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    response, body = _request("POST", "/accounts/login/", headers, form)
    jar |= _cookies(response)
    if response.status != 302 or not any("sessionid" in k for k in jar):
        sys.exit(f"login as {username}: HTTP {response.status}, no session (throttled or wrong password?)")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- what is measured -----------------------------------------------------------------------------


@dataclass
class Target:
    name: str  # for --only
    label: str
    paths: list[str]
    headers: dict[str, str]
    goal: str  # "page", "api", "create", ""
    method: str = "GET"
    body: str = ""
    expect: int = 200
    contains: list[str] = field(default_factory=list)  # what the first paths' answers must show
    results: dict = field(default_factory=dict)
    # Paths drawn at random, seeded per wrk thread and run, instead of every thread rotating through
    # them in the same order: for pages that should be seen for the first time (rarely drawn twice).
    draw: bool = False


GOALS = {"page": "p50 ≤ 50, p99 ≤ 200 ms", "api": "p50 ≤ 15 ms", "create": "≥ 300 req/s", "": "—"}


def meets(goal: str, r: dict) -> bool | None:
    """Whether a run met its goal; a run with errors (non-2xx, no completed request) did not."""
    if not goal:
        return None
    if r["non2xx"] or r["p50"] is None:
        return False
    if goal == "page":
        return r["p50"] <= 50 and r["p99"] <= 200
    if goal == "api":
        return r["p50"] <= 15
    return r["rps"] >= 300  # create


def targets(fx: Fixtures, agent: str, admin: str) -> list[Target]:
    def q(value):
        return quote(value, safe="")

    pages = {"Cookie": agent}
    audit = {"Cookie": admin}
    api = {"Authorization": f"Token {fx.token}"}
    body = json.dumps(registration(fx.item), ensure_ascii=False)
    return [
        Target("bare", "bare view, project middleware (agent session)", ["/bench/bare/"], pages, ""),
        Target("floor", "floor page: layout + 1 statement, 30 rows", ["/bench/floor/"], pages, ""),
        Target("queue", "/cases/ (agent's queue)", ["/cases/"], pages, "page"),
        Target("search-surname", "/cases/?q=<surname>", [f"/cases/?q={q(p)}" for p in fx.surnames], pages, "page"),
        Target("search-name", "/cases/?q=<surname+1 char>", [f"/cases/?q={q(p)}" for p in fx.name_prefixes], pages, "page"),
        Target(
            "search-phone",
            "/cases/?q=<phone>",
            [f"/cases/?q={p}" for p in fx.phones],
            pages,
            "page",
            contains=fx.phone_numbers,  # found through the keyed hash
        ),
        Target("dashboard", "/staff/ 工作台 (agent)", ["/staff/"], pages, "page"),
        Target("case", "/cases/<id>/ (agent's cases)", [f"/cases/{i}/" for i in fx.case_ids], pages, "page"),
        Target("audit", "/audit/ (zhongxin)", ["/audit/"], audit, "page"),
        Target("audit-actor", f"/audit/?actor={fx.actor}", [f"/audit/?actor={q(fx.actor)}"], audit, "page"),
        Target(
            "audit-dates",
            "/audit/?from=…&to=… (one week)",
            [f"/audit/?from={fx.date_from}&to={fx.date_to}"],
            audit,
            "page",
        ),
        Target(
            "api-queue",
            "API GET /api/v1/cases/?mine=1&open=1",
            [f"/api/v1/cases/?mine=1&open=1&page={n}" for n in range(1, 6)],
            api,
            "api",
        ),
        Target(
            "api-create",
            "API POST /api/v1/cases/ (register+accept)",
            ["/api/v1/cases/"],
            {"Authorization": f"Token {fx.registering_token}", "Content-Type": "application/json"},
            "create",
            method="POST",
            body=body,
            expect=201,
        ),
    ]  # fmt: skip


def lua(target: Target) -> str:
    """A wrk script sending the target's requests, rotating through its paths."""

    def string(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    lines = [f"wrk.method = {string(target.method)}"]
    lines += [f"wrk.headers[{string(k)}] = {string(v)}" for k, v in target.headers.items()]
    if target.body:
        lines.append(f"wrk.body = {string(target.body)}")
    lines.append("local paths = {" + ", ".join(string(p) for p in target.paths) + "}")
    if target.draw:
        lines.append("local threads = 0")
        lines.append("setup = function(thread)\n  threads = threads + 1\n  thread:set('id', threads)\nend")
        lines.append("init = function()\n  math.randomseed(os.time() * 1000 + id)\nend")
        lines.append("request = function()\n  return wrk.format(nil, paths[math.random(#paths)])\nend")
        return "\n".join(lines) + "\n"
    lines.append("local n = 0")
    lines.append("request = function()\n  n = n + 1\n  return wrk.format(nil, paths[1 + n % #paths])\nend")
    return "\n".join(lines) + "\n"


def preflight(target: Target) -> str:
    """One request to each of the first paths: the expected status (a redirect to the login page would
    look fast to wrk, which counts 3xx as success); returns a short description."""
    sizes = []
    for n, path in enumerate(target.paths[:3]):
        response, body = _request(
            target.method, path, target.headers, target.body.encode() if target.body else None
        )
        if response.status != target.expect:
            sys.exit(f"{target.label}: {path} answered HTTP {response.status}, expected {target.expect}")
        if n < len(target.contains) and target.contains[n].encode() not in body:
            sys.exit(f"{target.label}: {path} does not show {target.contains[n]}")
        sizes.append(len(body))
    return f"{target.label}: HTTP {target.expect}, {max(sizes):,} bytes"


def parse_wrk(out: str) -> dict:
    def ms(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\b", out, re.M)
        if not m:
            return None
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"^\s*(\d+) requests in", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "requests": done,
        # No completed request (every one timed out): no latency to report, not 0 ms.
        "p50": ms("50") if done else None,
        "p99": ms("99") if done else None,
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "raw": out,
    }


def run_wrk(script: str, clients: int, duration: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            # A long timeout: wrk leaves timed-out requests out of the latencies, which would hide the tail.
            ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{duration}s", "--timeout", "30s", "--latency",
             "-s", f.name, f"http://127.0.0.1:{PORT}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(f.name)
    return parse_wrk(out)


CPU_SIDES = ("app", "postgres", "redis", "celery")


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by each process of the app server, PostgreSQL, Redis and Celery (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if "bangban.wsgi" in cmd:
            side = "app"
        elif cmd.startswith("postgres"):
            side = "postgres"
        elif cmd.startswith("redis-server"):
            side = "redis"
        elif "celery" in cmd and "-A bangban" in cmd:
            side = "celery"
        else:
            continue
        out[int(pid)] = (side, (int(fields[11]) + int(fields[12])) / ticks)  # utime + stime
    return out


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each side spent between two samples: per process, so a process that ends in between
    (a PostgreSQL backend closing) does not subtract its whole life's CPU; its last moments are lost."""
    totals = dict.fromkeys(CPU_SIDES, 0.0)
    for pid, (side, used) in after.items():
        previous = before.get(pid)
        totals[side] += used - (previous[1] if previous and previous[0] == side else 0.0)
    return totals


def settle(limit: float = 60.0) -> None:
    """Wait until the server has no backlog: when wrk stops, the requests it had sent are still being
    answered (a slow page's, waiting on PostgreSQL, for seconds), and would land on the next run's
    figures. No backlog = the bare view answers at once three times in a row."""
    deadline, quick = time.monotonic() + limit, 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        _request("GET", "/bench/bare/")
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0
        time.sleep(0.05)


def measure(target: Target, clients: int, duration: int) -> None:
    script = lua(target)
    settle()
    run_wrk(script, min(clients, 4), 1)  # warm-up: templates, plans, the rows' pages in the cache
    settle()
    target.results["single"] = run_wrk(script, 1, max(duration // 2, 3))
    settle()
    before = cpu_seconds()
    many = run_wrk(script, clients, duration)
    after = cpu_seconds()
    requests = max(many["requests"], 1)
    many["cpu"] = {side: used / requests * 1000 for side, used in cpu_used(before, after).items()}
    target.results["many"] = many


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def _ratio(value: float | None, bare: float | None) -> str:
    return "—" if value is None or not bare else f"{value / bare:.1f}"


def table(measured: list[Target], clients: int) -> str:
    bare = next((t for t in measured if t.name == "bare"), None)
    head = (
        f"| target | 1 client p50 | {clients} clients p50 | p99 | req/s | non-2xx | goal | met "
        f"| ×bare p50 1c / {clients}c |"
    )
    lines = [head, "|" + "---|" * 9]
    for t in measured:
        one, many = t.results["single"], t.results["many"]
        ratio = "—"
        if bare is not None and t is not bare:
            ratio = (
                f"{_ratio(one['p50'], bare.results['single']['p50'])} / "
                f"{_ratio(many['p50'], bare.results['many']['p50'])}"
            )
        ok = meets(t.goal, many)
        lines.append(
            f"| {t.label} | {_ms(one['p50'])} | {_ms(many['p50'])} | {_ms(many['p99'])} | {many['rps']:.0f} "
            f"| {one['non2xx'] + many['non2xx']} | {GOALS[t.goal]} | {'—' if ok is None else 'yes' if ok else 'NO'} "
            f"| {ratio} |"
        )
    return "\n".join(lines)


def cpu_table(measured: list[Target], clients: int) -> str:
    lines = [f"CPU per request at {clients} clients (ms): app / postgres / redis / celery"]
    for t in measured:
        cpu = t.results["many"]["cpu"]
        lines.append(f"  {t.label:<48} " + " / ".join(f"{cpu[k]:.2f}" for k in CPU_SIDES))
    return "\n".join(lines)


def worker_rss(master_pid: int) -> list[float]:
    out = subprocess.run(
        ["ps", "-o", "pid=,rss=", "--ppid", str(master_pid)], capture_output=True, text=True
    ).stdout
    return [int(line.split()[1]) / 1024 for line in out.strip().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    add_common_arguments(parser, duration_help="seconds per run at --clients (1 client: half)")
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: as deploy/systemd's unit)"
    )
    parser.add_argument(
        "--no-celery",
        action="store_true",
        help="do not run the Celery worker with beat beside the server (production seals the audit "
        "chain and relays SMS there, on the same CPUs)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated targets to run (the bare view always runs): queue, search-surname, search-name, "
        "search-phone, dashboard, case, audit, audit-actor, audit-dates, api-queue, api-create",
    )
    args = parser.parse_args()
    url, redis, env = bench_environment(
        "postgres://postgres@127.0.0.1:5432/bangban_cases_bench", "redis://127.0.0.1:6379/13"
    )
    prepare_database(url, env, reuse=args.reuse)
    if not args.reuse:
        from bench.generate import generate

        print(f"generating {args.cases:,} cases:")
        started = time.perf_counter()
        generate(url, args.cases, log=print)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    from bangban.org.demo import DEMO_PASSWORD

    fx = fixtures()
    from bangban.audit.models import AuditEvent
    from bangban.cases.models import Case

    sizes = (
        f"{Case.objects.count():,} cases, {AuditEvent.objects.count():,} audit rows"  # --reuse: what is there
    )
    from django.db import connections

    connections.close_all()
    server = start_server(env, workers=args.workers, threads=args.threads, server=args.server)
    celery = None
    if not args.no_celery:  # as production runs: beat seals the audit chain and relays the SMS outbox
        celery = subprocess.Popen(
            [PY, "-m", "celery", "-A", "bangban", "worker", "-B", "--concurrency", "1", "-l", "warning"],
            env=env,
            cwd=ROOT,
        )
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    try:
        all_targets = targets(fx, login(AGENT, DEMO_PASSWORD), login(ADMIN, DEMO_PASSWORD))
        unknown = only - {t.name for t in all_targets}
        if unknown:
            sys.exit(f"--only: unknown targets {', '.join(sorted(unknown))}")
        chosen = [t for t in all_targets if t.name in ("bare", "floor") or not only or t.name in only]
        load_before = f"{os.getloadavg()[0]:.2f}"  # others' work on the machine shows in every figure
        for t in chosen:
            print(preflight(t))
        # Reads first, registration last: the writes' aftermath (checkpoints) must not land on the reads.
        for t in chosen:
            measure(t, args.clients, args.duration)
            many = t.results["many"]
            print(f"  {t.name}: {many['rps']:.0f} req/s, p50 {_ms(many['p50'])}", flush=True)
        rss = worker_rss(server.pid)
        unsealed = None
        if celery is not None:
            time.sleep(5)  # beat's last seal runs
            unsealed = AuditEvent.objects.filter(seal_seq__isnull=True).count()
    finally:
        stop(server)
        if celery is not None:
            stop(celery, timeout=60)
    print()
    print(
        f"command: DATABASE_URL={url} REDIS_URL={redis} {Path(PY).relative_to(ROOT) if Path(PY).is_relative_to(ROOT) else PY} "
        f"bench/cases_load.py {' '.join(sys.argv[1:])}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs; load average {load_before} before the runs, {os.getloadavg()[0]:.2f} after"
    )
    print(f"{sizes}; {args.server}, {args.workers} workers; wrk {args.duration} s per run "
          f"({max(args.duration // 2, 3)} s at 1 client); Celery worker+beat {'off' if celery is None else 'on'}")  # fmt: skip
    print(table(chosen, args.clients))
    print()
    print(cpu_table(chosen, args.clients))
    for t in chosen:
        if t.results["single"]["p50"] is None:  # every request timed out or none finished: show why
            print(f"  {t.label}, 1 client: no completed request; wrk said:\n{t.results['single']['raw']}")
        if t.results["many"]["socket_errors"]:
            print(f"  {t.label}: socket errors {t.results['many']['socket_errors']}")
    print(f"worker RSS: max {max(rss):.0f} MB over {len(rss)} workers — target ≤ 150 MB")
    if unsealed is not None:
        print(f"audit rows not yet sealed 5 s after the runs (Celery beat beside the server): {unsealed}")


if __name__ == "__main__":
    main()
