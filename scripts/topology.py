#!/usr/bin/env python3
"""Start the production topology on this machine, drive a real scenario through it, inject faults.

    .venv/bin/python scripts/topology.py                      # the scenario only
    .venv/bin/python scripts/topology.py --fault redis --redis-down 300
    .venv/bin/python scripts/topology.py --fault postgres
    .venv/bin/python scripts/topology.py --fault worker
    .venv/bin/python scripts/topology.py --fault appserver
    .venv/bin/python scripts/topology.py --fault all --redis-down 30

Everything runs from a temporary directory and on its own ports, started as production starts it
(deploy/): a private PostgreSQL cluster (initdb, run as the `postgres` OS user when started as root)
with an owner role that migrates and a runtime role set up by `bangban db_roles --apply`; a private
redis-server without persistence; `bangban migrate`, `load_demo`, `collectstatic`; two granian app
servers (BANGBAN_ENV=production, keys generated for the run); nginx rendered from
deploy/nginx/bangban.conf with a self-signed certificate; a Celery worker and beat; and a fake SMS
gateway (HttpGatewayBackend's protocol) that records every message and, like a real gateway, delivers
each Idempotency-Key once.

The scenario, all over HTTPS through nginx: log in with the form and take an API token; a 代办 case
registered with an Idempotency-Key and carried to 办结 (analyse, entrust, materials, start, suspend,
resume, log, return, complete); its five SMS at the gateway; the review link from the last SMS
answered on the public page; the published catalog exported and imported again (by the worker).

Faults print their figures; the script exits non-zero when a check fails. It never touches any other
PostgreSQL or Redis than the ones it starts, and stops everything it started on exit.
Needs: PostgreSQL 15 binaries (PGBIN, default /usr/lib/postgresql/15/bin), redis-server, nginx, openssl.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import faulthandler
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
NGINX = os.environ.get("NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
SH = dt.timezone(dt.timedelta(hours=8))
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --------------------------------------------------------------------------------------------
# The fake SMS gateway
# --------------------------------------------------------------------------------------------
class Gateway:
    """Records every POST (an attempt); delivers each Idempotency-Key once, like a real gateway."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.attempts = []  # (key, phone, text)
        self.delivered = {}  # key -> text
        self.slow_next = 0.0  # seconds the next request is held before answering
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    self.send_response(401)
                    self.end_headers()
                    return
                data = json.loads(body)
                key = self.headers.get("Idempotency-Key", "")
                with gateway.lock:
                    gateway.attempts.append((key, data["phone"], data["text"]))
                    gateway.delivered.setdefault(key, data["text"])
                    hold, gateway.slow_next = gateway.slow_next, 0.0
                time.sleep(hold)
                answer = json.dumps({"id": f"gw-{key[:8]}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

    def texts_for(self, keys):
        with self.lock:
            return [self.delivered[k] for k in keys if k in self.delivered]

    def attempts_by_key(self):
        with self.lock:
            return collections.Counter(k for k, _p, _t in self.attempts)


# --------------------------------------------------------------------------------------------
# The topology
# --------------------------------------------------------------------------------------------
class Topology:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="bangban-topology-"))
        os.chmod(self.tmp, 0o755)
        base = args.base_port
        self.pg_port, self.redis_port = base, base + 1
        self.app_ports = [base + 10, base + 11]
        self.https_port, self.sms_port = base + 20, base + 21
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.procs = {}  # name -> Popen (each in its own session: killpg stops its children too)
        self.pg_started = False
        self.gateway = Gateway(self.sms_port, secrets.token_hex(16))
        self.cert = self.tmp / "tls" / "cert.pem"
        as_root = os.geteuid() == 0
        self.pg_user = ["runuser", "-u", "postgres", "--"] if as_root else []
        self.owner_dsn = f"postgresql://bangban_owner@127.0.0.1:{self.pg_port}/bangban"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "TEST_"))},
            "BANGBAN_ENV": "production",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "BANGBAN_FIELD_KEYS": "k1:" + secrets.token_hex(16),
            "BANGBAN_LOOKUP_KEY": secrets.token_hex(24),
            "BANGBAN_AUDIT_KEY": secrets.token_hex(24),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": self.url,
            "BANGBAN_TRUST_PROXY": "true",
            "BANGBAN_PUBLIC_URL": self.url,
            "BANGBAN_VAR_DIR": str(self.tmp / "var"),
            "DATABASE_URL": f"postgres://bangban_app@127.0.0.1:{self.pg_port}/bangban",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CONN_HEALTH_CHECKS": "true",
            "BANGBAN_SMS_BACKEND": "bangban.notifications.backends.HttpGatewayBackend",
            "BANGBAN_SMS_GATEWAY_URL": f"http://127.0.0.1:{self.sms_port}/sms",
            "BANGBAN_SMS_GATEWAY_TOKEN": self.gateway.token,
            "BANGBAN_SMS_GATEWAY_TIMEOUT": "30",
            # Short enough to watch a dead worker's claim being taken again within this run.
            "BANGBAN_SMS_STALE_SECONDS": str(args.sms_stale),
            "BANGBAN_SMS_SWEEP_SECONDS": "10",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    # -- processes -------------------------------------------------------------------------
    def run(self, *cmd, env=None, owner=False, **kw):
        e = dict(env or self.env)
        if owner:
            e["DATABASE_URL"] = self.owner_dsn.replace("postgresql://", "postgres://")
        out = subprocess.run(cmd, cwd=ROOT, env=e, capture_output=True, text=True, **kw)
        if out.returncode:
            raise Failed(f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
        return out.stdout

    def spawn(self, name, *cmd, env=None):
        logfile = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env or self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    def stop(self):
        for name in list(self.procs)[::-1]:
            self.kill(name, signal.SIGTERM)
        if self.pg_started:
            subprocess.run(
                [*self.pg_user, PGBIN / "pg_ctl", "-D", self.tmp / "pg", "stop", "-m", "immediate"],
                capture_output=True,
            )
        try:
            self.gateway.stop()
        except Exception:
            pass
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"kept {self.tmp}")

    @staticmethod
    def wait_port(port, timeout=60):
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.2)
        raise Failed(f"nothing listens on port {port} after {timeout} s")

    # -- PostgreSQL ------------------------------------------------------------------------
    def pg_ctl(self, *args):
        return subprocess.run(
            [*self.pg_user, PGBIN / "pg_ctl", "-D", self.tmp / "pg", *args], capture_output=True, text=True
        )

    def start_postgres(self, init=False):
        data, sock = self.tmp / "pg", self.tmp / "pgsock"
        if init:
            data.mkdir()
            sock.mkdir()
            if self.pg_user:
                shutil.chown(data, "postgres")
                shutil.chown(sock, "postgres")
            out = subprocess.run(
                [*self.pg_user, PGBIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-locale", "--no-sync"],
                capture_output=True, text=True,
            )  # fmt: skip
            check(out.returncode == 0, f"initdb failed: {out.stderr}")
        options = f"-p {self.pg_port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=60"
        out = self.pg_ctl("start", "-w", "-t", "60", "-l", str(sock / "postgres.log"), "-o", options)
        check(out.returncode == 0, f"pg_ctl start failed: {out.stderr}{out.stdout}")
        self.pg_started = True
        if init:
            with psycopg.connect(
                f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres", autocommit=True
            ) as c:
                c.execute("CREATE ROLE bangban_owner LOGIN")
                c.execute("CREATE ROLE bangban_app LOGIN")
                c.execute("CREATE DATABASE bangban OWNER bangban_owner")

    def sql(self, query, params=()):
        with psycopg.connect(self.owner_dsn, connect_timeout=10) as c:
            return c.execute(query, params).fetchall()

    # -- the rest --------------------------------------------------------------------------
    def start_redis(self):
        self.spawn(
            "redis", "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--daemonize", "no",
        )  # fmt: skip
        self.wait_port(self.redis_port)

    def start_app(self, index):
        port = self.app_ports[index]
        metrics_dir = self.tmp / f"metrics-{port}"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir()
        self.spawn(
            f"app{index + 1}",
            BIN / "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(self.args.app_workers), "--blocking-threads", "1", "--no-ws",
            "bangban.wsgi:application",
            env={**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        )  # fmt: skip

    def start_worker(self):
        self.spawn("worker", BIN / "celery", "-A", "bangban", "worker", "-l", "info", "--concurrency", "1",
                   "-n", "topology@%h")  # fmt: skip

    def start_beat(self):
        self.spawn("beat", BIN / "celery", "-A", "bangban", "beat", "-l", "warning",
                   "-s", str(self.tmp / "beat-schedule"))  # fmt: skip

    def render_nginx(self):
        tls = self.tmp / "tls"
        tls.mkdir()
        self.run(
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", tls / "key.pem", "-out", self.cert, "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        )  # fmt: skip
        conf = (ROOT / "deploy/nginx/bangban.conf").read_text()
        logs = self.tmp / "nginx"
        logs.mkdir()
        replacements = {
            "server 127.0.0.1:8001 ": f"server 127.0.0.1:{self.app_ports[0]} ",
            "server 127.0.0.1:8002 ": f"server 127.0.0.1:{self.app_ports[1]} ",
            "listen 80;": f"listen 127.0.0.1:{self.https_port - 1};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "/etc/ssl/bangban/fullchain.pem": str(self.cert),
            "/etc/ssl/bangban/privkey.pem": str(tls / "key.pem"),
            "/var/log/nginx/": f"{logs}/",
            "/srv/bangban/var/static/": f"{self.tmp}/var/static/",
            "bangban.example.gov.cn": "127.0.0.1 localhost",
        }
        for old, new in replacements.items():
            check(old in conf, f"deploy/nginx/bangban.conf no longer contains {old!r}")
            conf = conf.replace(old, new)
        (self.tmp / "bangban.conf").write_text(conf)
        mime = Path("/etc/nginx/mime.types")
        (self.tmp / "nginx.conf").write_text(
            f"""worker_processes 1;
pid {self.tmp}/nginx.pid;
error_log {logs}/error.log warn;
events {{ worker_connections 512; }}
http {{
    {f"include {mime};" if mime.exists() else ""}
    default_type application/octet-stream;
    client_body_temp_path {self.tmp}/nginx/body;
    proxy_temp_path {self.tmp}/nginx/proxy;
    fastcgi_temp_path {self.tmp}/nginx/fastcgi;
    uwsgi_temp_path {self.tmp}/nginx/uwsgi;
    scgi_temp_path {self.tmp}/nginx/scgi;
    include {self.tmp}/bangban.conf;
}}
"""
        )
        self.run(NGINX, "-t", "-p", self.tmp, "-c", self.tmp / "nginx.conf")

    def start_nginx(self):
        self.spawn("nginx", NGINX, "-p", self.tmp, "-c", self.tmp / "nginx.conf", "-g", "daemon off;")
        self.wait_port(self.https_port)

    def access_log(self):
        return (self.tmp / "nginx" / "bangban.access.log").read_text().splitlines()

    def up(self):
        t0 = time.monotonic()
        log(f"topology in {self.tmp}")
        self.start_postgres(init=True)
        self.start_redis()
        self.gateway.start()
        log("migrate (as the owner), db_roles --apply, load_demo, collectstatic")
        self.run(BIN / "bangban", "migrate", "--noinput", owner=True)
        self.run(BIN / "bangban", "db_roles", "--role", "bangban_app", "--apply", owner=True)
        self.run(BIN / "bangban", "load_demo")
        self.run(BIN / "bangban", "collectstatic", "--noinput")
        self.render_nginx()
        log("starting two app servers, worker, beat, nginx")
        for i in range(2):
            self.start_app(i)
        self.start_worker()
        self.start_beat()
        for port in self.app_ports:
            self.wait_port(port, 120)
        self.start_nginx()
        client = session(self)
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            check(time.monotonic() < deadline, "/healthz did not answer 200 through nginx")
            time.sleep(1)
        log(f"topology up in {time.monotonic() - t0:.0f} s: {self.url} → app servers {self.app_ports}")


# --------------------------------------------------------------------------------------------
# HTTP clients through nginx
# --------------------------------------------------------------------------------------------
def session(topo):
    s = requests.Session()
    s.trust_env = False  # no proxy, and REQUESTS_CA_BUNDLE from the environment must not replace our CA
    s.verify = str(topo.cert)
    return s


def form_token(html):
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html) or re.search(
        r"X-CSRFToken(?:\"|&quot;):\s*(?:\"|&quot;)([A-Za-z0-9]+)", html
    )
    check(found, "no CSRF token on the page")
    return found.group(1)


def login(topo, username, password="Gaoxin@2026!"):
    """The staff login form, then an API token issued to that session. Returns (session, api client)."""
    s = session(topo)
    page = s.get(f"{topo.url}/accounts/login/", timeout=30)
    check(page.status_code == 200, f"login page answered {page.status_code}")
    answer = s.post(
        f"{topo.url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": form_token(page.text)},
        headers={"Referer": f"{topo.url}/accounts/login/"},
        timeout=30,
    )
    check(answer.status_code == 200 and answer.url.endswith("/staff/"), f"login of {username}: {answer.url}")
    issued = s.post(
        f"{topo.url}/api/v1/tokens/",
        json={"name": "topology", "days": 1},
        headers={"X-CSRFToken": form_token(answer.text), "Referer": f"{topo.url}/staff/"},
        timeout=30,
    )
    check(issued.status_code == 201, f"token for {username}: {issued.status_code} {issued.text[:300]}")
    api = session(topo)
    api.headers["Authorization"] = f"Token {issued.json()['token']}"
    return s, api


def call(api, method, url, expect=(200, 201), **kw):
    answer = api.request(method, url, timeout=60, **kw)
    check(answer.status_code in expect, f"{method} {url}: {answer.status_code} {answer.text[:500]}")
    return answer.json() if answer.content and "json" in answer.headers.get("Content-Type", "") else answer


def wait_for(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        check(time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}")
        time.sleep(1)


def registration(item, tag, kind="help"):
    body = {
        "kind": kind,
        "mode": "assist" if kind == "help" else "agency",
        "applicant_type": "person",
        "applicant_name": "王阿婆",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "items": [item],
        "summary": tag,
    }
    if kind == "help":
        body["accept_now"] = True
    else:
        body |= {"priority_group": "elderly", "channel": "door"}
    return body


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------
def scenario(topo):
    figures = {}
    base = topo.url
    anon = session(topo)
    home = anon.get(f"{base}/", timeout=30)
    check(home.status_code == 200 and "zh-Hans" in home.text, f"portal: {home.status_code}")
    static = re.search(r'(/static/[^"]+\.css)"', home.text)
    check(static, "no stylesheet on the portal")
    css = anon.get(base + static.group(1), timeout=30)
    check(css.status_code == 200 and "immutable" in css.headers.get("Cache-Control", ""), "static by nginx")
    # served by nginx itself: its long cache header, and no request id (only proxied answers carry one)
    check("X-Request-ID" not in css.headers, "a static file went to an app server")
    rid = anon.get(f"{base}/healthz", timeout=30, headers={"X-Request-ID": "topology-check-0001"})
    check(rid.headers.get("X-Request-ID") == "topology-check-0001", "X-Request-ID not carried through")

    _s, agent = login(topo, "tongan.bangban")
    me = call(agent, "GET", f"{base}/api/v1/me/")
    offered = call(
        agent, "GET", f"{base}/api/v1/catalog/offered/?institution={me['institution']}&mode=agency"
    )
    check(offered, "no 代办 item offered at 通安镇便民服务中心")
    item = offered[0]["item"]
    topo.item, topo.institution = item, me["institution"]
    today = dt.datetime.now(SH).date()
    tag = f"topology-{uuid.uuid4().hex[:12]}"
    key = uuid.uuid4().hex
    case = call(agent, "POST", f"{base}/api/v1/cases/", json=registration(item, tag, "agency"),
                headers={"Idempotency-Key": key})  # fmt: skip
    again = agent.post(f"{base}/api/v1/cases/", json=registration(item, tag, "agency"),
                       headers={"Idempotency-Key": key}, timeout=60)  # fmt: skip
    check(again.headers.get("Idempotent-Replayed") == "true" and again.json()["id"] == case["id"], "replay")
    cid = case["id"]
    url = f"{base}/api/v1/cases/{cid}"
    case = call(agent, "POST", f"{url}/analyse/", json={"analysis": "全程代办", "version": case["version"]})
    case = call(agent, "POST", f"{url}/entrust/", json={
        "scope": "whole", "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=90)).isoformat(),
        "materials_text": "身份证复印件", "version": case["version"]})  # fmt: skip
    call(agent, "POST", f"{url}/materials/", json={"name": "房产证", "form": "original"})
    call(agent, "POST", f"{url}/start/")
    call(agent, "POST", f"{url}/suspend/", json={"reason": "materials", "detail": "缺场所证明"})
    case = call(
        agent, "POST", f"{url}/resume/", json={"period_end": (today + dt.timedelta(days=90)).isoformat()}
    )
    call(agent, "POST", f"{url}/log/", json={"text": "已向市场监管局提交材料"})
    call(agent, "POST", f"{base}/api/v1/case-materials/{case['materials'][0]['id']}/return/")
    case = call(agent, "POST", f"{url}/complete/", json={"result": "营业执照已送达"})
    check(case["status"] == "completed", f"case ended {case['status']}")
    pdf = agent.get(case["forms"][0]["url"] if case["forms"][0]["url"].startswith("http")
                    else base + case["forms"][0]["url"], timeout=60)  # fmt: skip
    check(pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), "form A")
    log(f"代办 case {case['number']} completed through the API")

    def messages():
        rows = topo.sql(
            "SELECT event, status, idempotency_key::text FROM notifications_message WHERE object_id = %s "
            "ORDER BY id", (str(cid),))  # fmt: skip
        return rows if len(rows) == 5 and all(r[1] == "sent" for r in rows) else None

    rows = wait_for("the case's five SMS to be sent", messages, 120)
    events = [r[0] for r in rows]
    check(
        events == ["accepted", "suspended", "resumed", "completed", "review_invite"], f"SMS events {events}"
    )
    texts = wait_for("the gateway to hold the five SMS", lambda: (t := topo.gateway.texts_for([r[2] for r in rows]))
                     and len(t) == 5 and t, 30)  # fmt: skip
    figures["sms_at_gateway"] = len(texts)
    link = re.search(r"https?://\S+/r/[A-Za-z0-9_-]+/", texts[-1])
    check(link, f"no review link in the invitation SMS: {texts[-1]}")
    log(f"5 SMS delivered to the gateway; review link {link.group(0)}")

    visitor = session(topo)
    page = visitor.get(link.group(0), timeout=30)
    check(page.status_code == 200 and "服务评价" in page.text, f"review page {page.status_code}")
    done = visitor.post(
        link.group(0),
        data={
            "level": "5",
            "comment": "帮办员上门服务，很耐心",
            "csrfmiddlewaretoken": form_token(page.text),
        },
        headers={"Referer": link.group(0)},
        timeout=30,
    )
    check(done.status_code == 200, f"review submit {done.status_code}")
    levels = topo.sql("SELECT level FROM evaluations_review WHERE case_id = %s", (cid,))
    check(levels == [(5,)], f"review rows {levels}")
    check(visitor.get(link.group(0), timeout=30).status_code == 410, "a review link is single-use")
    log("evaluation recorded through the public review link (level 5), link then refused (410)")

    _s, catalog = login(topo, "shixiang")
    export = call(catalog, "GET", f"{base}/api/v1/catalog/export/")
    job = call(catalog, "POST", f"{base}/api/v1/catalog/imports/", expect=(202,),
               files={"file": ("catalog.xlsx", export.content,
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})  # fmt: skip

    def finished():
        state = call(catalog, "GET", f"{base}/api/v1/catalog/imports/{job['id']}/")
        return state if state["status"] in ("done", "failed") else None

    state = wait_for("the catalog import to be processed by the worker", finished, 180)
    check(
        state["status"] == "done", f"import {state['status']}: {state.get('message')} {state.get('errors')}"
    )
    figures["import_rows"] = len(state["rows"])
    log(f"catalog import done by the worker: {len(state['rows'])} rows "
        f"({collections.Counter(r['status'] for r in state['rows'])})")  # fmt: skip
    audit = topo.run(BIN / "bangban", "audit_verify", owner=True)
    log(f"audit chain: {audit.strip().splitlines()[-1] if audit.strip() else 'verified'}")
    return figures


# --------------------------------------------------------------------------------------------
# Load and faults
# --------------------------------------------------------------------------------------------
class Load:
    """Threads sending requests until stopped; every answer recorded with its phase."""

    def __init__(self, topo, api, staff, threads=3, posts=True):
        self.topo, self.api, self.staff = topo, api, staff
        self.phase = "before"
        self.results = []  # (phase, kind, status or exception name, seconds, key)
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self.loop, args=(i, posts), daemon=True) for i in range(threads)
        ]

    def record(self, kind, outcome, seconds, key=None):
        with self.lock:
            self.results.append((self.phase, kind, outcome, seconds, key))

    def one(self, kind, fn, key=None):
        t0 = time.monotonic()
        try:
            outcome = fn().status_code
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        self.record(kind, outcome, time.monotonic() - t0, key)
        return outcome

    def loop(self, index, posts):
        base = self.topo.url
        n = 0
        while not self.stop_flag.is_set():
            n += 1
            if posts and n % 3 == 0:
                key = f"load-{uuid.uuid4().hex[:20]}"
                self.one("POST", lambda k=key: self.api.post(
                    f"{base}/api/v1/cases/", json=registration(self.topo.item, k),
                    headers={"Idempotency-Key": k}, timeout=30), key)  # fmt: skip
            elif n % 3 == 1:
                self.one("GET api", lambda: self.api.get(f"{base}/api/v1/cases/?page_size=5", timeout=30))
            elif index % 2:
                self.one(
                    "GET page", lambda: self.staff.get(f"{base}/staff/", timeout=30, allow_redirects=False)
                )
            else:
                self.one("GET portal", lambda: self.api.get(f"{base}/", timeout=30))
            time.sleep(0.05)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(60)

    def table(self):
        by = collections.defaultdict(collections.Counter)
        slowest = collections.defaultdict(float)
        for phase, kind, outcome, seconds, _key in self.results:
            by[(phase, kind)][outcome] += 1
            slowest[phase] = max(slowest[phase], seconds)
        for (phase, kind), counts in sorted(by.items()):
            print(
                f"    {phase:<7} {kind:<11} "
                + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str))
            )
        print("    slowest answer by phase: " + ", ".join(f"{p} {s:.1f} s" for p, s in slowest.items()))
        return by


def max_message_id(topo):
    return topo.sql("SELECT coalesce(max(id), 0) FROM notifications_message")[0][0]


def sms_reconciliation(topo, since_id, timeout=120):
    """Every outbox row since since_id sent, and the gateway holding each exactly once."""

    def settled():
        rows = topo.sql(
            "SELECT status, count(*) FROM notifications_message WHERE id > %s GROUP BY 1", (since_id,)
        )
        return rows if rows and all(status in ("sent", "failed") for status, _n in rows) else None

    try:
        wait_for("the outbox to drain", settled, timeout)
    except Failed:
        pass
    rows = topo.sql(
        "SELECT idempotency_key::text, status, attempts FROM notifications_message WHERE id > %s", (since_id,)
    )
    attempts = topo.gateway.attempts_by_key()
    statuses = collections.Counter(r[1] for r in rows)
    missing = [k for k, status, _a in rows if status == "sent" and k not in attempts]
    resent = {k: n for k, n in attempts.items() if n > 1 and k in {r[0] for r in rows}}
    delivered = sum(1 for k, _s, _a in rows if k in topo.gateway.delivered)
    print(f"    outbox rows: {len(rows)} {dict(statuses)}; delivered at the gateway (distinct keys): {delivered}; "
          f"sent but never received: {len(missing)}; keys the gateway saw more than once: {len(resent)}")  # fmt: skip
    check(statuses.get("sent", 0) == len(rows), f"SMS not all sent: {dict(statuses)}")
    check(not missing and delivered == len(rows), "an SMS marked sent never reached the gateway")
    return len(rows), delivered, resent


def fault_redis(topo, args):
    log(f"FAULT redis: stopped for {args.redis_down} s under load")
    staff, api = login(topo, "tongan.bangban")
    since = max_message_id(topo)
    with Load(topo, api, staff) as load:
        time.sleep(args.before)
        topo.kill("redis")
        load.phase = "down"
        time.sleep(args.redis_down)
        topo.start_redis()
        load.phase = "after"
        time.sleep(args.after)
    by = load.table()
    down = sum((c for (p, _k), c in by.items() if p == "down"), collections.Counter())
    answered = sum(n for k, n in down.items() if isinstance(k, int))
    served = sum(n for k, n in down.items() if isinstance(k, int) and k < 500)
    print(f"    while Redis was down: {answered} answered, {served} below 500, {sum(down.values()) - answered} "
          f"without an answer")  # fmt: skip
    check(answered and served == sum(down.values()), f"requests failed while Redis was down: {dict(down)}")
    sms_reconciliation(topo, since, timeout=args.drain)


def fault_postgres(topo, args):
    log(f"FAULT postgres: immediate shutdown, {args.pg_down} s down, restart, under a registration load")
    staff, api = login(topo, "tongan.bangban")
    with Load(topo, api, staff, threads=4) as load:
        time.sleep(args.before)
        out = topo.pg_ctl("stop", "-m", "immediate")
        check(out.returncode == 0, f"pg_ctl stop: {out.stderr}")
        load.phase = "down"
        time.sleep(args.pg_down)
        topo.start_postgres()
        load.phase = "after"
        restarted = time.monotonic()
        time.sleep(args.after)
    load.table()
    posts = [r for r in load.results if r[1] == "POST"]
    acked = {r[4] for r in posts if isinstance(r[2], int) and 200 <= r[2] < 300}
    stored = {row[0] for row in topo.sql("SELECT summary FROM cases_case WHERE summary LIKE 'load-%%'")}
    lost = acked - stored
    unacked_stored = {r[4] for r in posts if r[4] not in acked} & stored
    after_ok = [r for r in load.results if r[0] == "after" and isinstance(r[2], int) and r[2] < 500]
    first_ok = min((r for r in load.results if r[0] == "after"), key=lambda r: r[3], default=None)
    errors = collections.Counter(r[2] for r in posts if r[4] not in acked)
    print(f"    registrations answered 2xx: {len(acked)}; in the database afterwards: {len(acked & stored)}; "
          f"lost acknowledged writes: {len(lost)}")  # fmt: skip
    print(
        f"    registrations not acknowledged: {dict(errors)}; of those committed anyway: {len(unacked_stored)}"
    )
    print(f"    after the restart (no app server restarted): {len(after_ok)} answers below 500 "
          f"in {time.monotonic() - restarted:.0f} s")  # fmt: skip
    check(not lost, f"{len(lost)} acknowledged registrations missing")
    check(after_ok, "the app did not recover after PostgreSQL came back")
    check(all(isinstance(r[2], int) for r in posts if r[0] == "down"), "a request hung or got no answer")
    del first_ok


def worker_children(topo):
    main = topo.procs["worker"].pid
    out = subprocess.run(
        ["ps", "-o", "pid=,ppid=,args=", "--ppid", str(main)], capture_output=True, text=True
    )
    children = [int(line.split()[0]) for line in out.stdout.splitlines() if "celery" in line]
    # the worker's main process may sit under a wrapper: look one level further down
    if not children:
        for line in subprocess.run(
            ["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True
        ).stdout.splitlines():
            pid, ppid, *cmd = line.split()
            if (
                "worker" in " ".join(cmd)
                and "celery" in " ".join(cmd)
                and int(ppid) != 1
                and int(pid) != main
            ):
                children.append(int(pid))
    return children


def fault_worker(topo, args):
    log("FAULT worker: the pool process killed (SIGKILL) while it sends an SMS")
    _staff, api = login(topo, "tongan.bangban")
    since = max_message_id(topo)
    before = len(topo.gateway.attempts)
    topo.gateway.slow_next = 30.0  # the next SMS is held at the gateway: the task is mid-send
    tag = f"worker-{uuid.uuid4().hex[:12]}"
    call(api, "POST", f"{topo.url}/api/v1/cases/", json=registration(topo.item, tag),
         headers={"Idempotency-Key": tag})  # fmt: skip
    wait_for("the SMS to reach the gateway", lambda: len(topo.gateway.attempts) > before, 60)
    children = worker_children(topo)
    check(children, "no worker pool process found")
    t_kill = time.monotonic()
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    print(f"    killed pool process(es) {children} mid-send")
    sent, delivered, resent = sms_reconciliation(topo, since, timeout=args.drain)
    row = topo.sql("SELECT status, attempts FROM notifications_message WHERE id > %s", (since,))
    print(f"    message rows: {row}; delivered once at the gateway after {time.monotonic() - t_kill:.0f} s; "
          f"attempts the gateway saw per key: {dict(resent) or 1}")  # fmt: skip
    worker_log = (topo.tmp / "worker.log").read_text(errors="replace")
    lost = worker_log.count("WorkerLostError") + worker_log.count("Process 'ForkPoolWorker")
    print(f"    worker log: {lost} lines reporting the lost process (task rejected and requeued)")
    check(sent == delivered == 1, "the SMS was not delivered exactly once")


def fault_appserver(topo, args):
    log("FAULT appserver: app server 1 killed (SIGKILL) under GET and POST load")
    staff, api = login(topo, "tongan.bangban")
    start_line = len(topo.access_log())
    retries = collections.Counter()

    class RetryingLoad(Load):
        def one(self, kind, fn, key=None):
            outcome = super().one(kind, fn, key)
            if kind == "POST" and not (isinstance(outcome, int) and outcome < 300):
                for _ in range(5):  # the client retries with the same Idempotency-Key
                    time.sleep(1)
                    retries["POST retried by the client"] += 1
                    outcome = super().one("POST retry", fn, key)
                    if isinstance(outcome, int) and outcome < 300:
                        break
            return outcome

    with RetryingLoad(topo, api, staff, threads=4) as load:
        time.sleep(args.before)
        topo.kill("app1")
        load.phase = "down"
        time.sleep(args.after)
        topo.start_app(0)
        topo.wait_port(topo.app_ports[0], 120)
        load.phase = "after"
        time.sleep(args.after)
    load.table()
    lines = topo.access_log()[start_line:]
    retried, post_502_single = collections.Counter(), 0
    for line in lines:
        method = line.split('"')[1].split()[0] if '"' in line else "?"
        upstream = re.search(r"upstream=(.*?) ustatus=(.*?) urt=", line)
        if upstream and "," in upstream.group(1):
            retried[method] += 1
        if method == "POST" and '" 502 ' in line and upstream and "," not in upstream.group(1):
            post_502_single += 1
    errors = (topo.tmp / "nginx" / "bangban.error.log").read_text(errors="replace").splitlines()
    mid_request = [e for e in errors if "prematurely closed" in e or "reset by peer" in e]
    mid_post = sum('request: "POST' in e for e in mid_request)
    refused = sum("connect() failed" in e for e in errors)
    posts = [r for r in load.results if r[1].startswith("POST")]
    keys = {r[4] for r in posts}
    acked = {r[4] for r in posts if isinstance(r[2], int) and r[2] < 300}
    rows = topo.sql("SELECT summary, count(*) FROM cases_case WHERE summary LIKE 'load-%%' GROUP BY 1")
    counts = {s: n for s, n in rows if s in keys}
    duplicates = {s: n for s, n in counts.items() if n > 1}
    print(f"    requests nginx passed to a second server (from its log): {dict(retried) or 0}")
    print(f"    nginx error log: {len(mid_request)} requests cut mid-request ({mid_post} POST), {refused} refused "
          f"connections; POSTs answered 502 without a retry: {post_502_single}")  # fmt: skip
    print(f"    registrations: {len(keys)} keys, {len(acked)} acknowledged (after client retries: {dict(retries)}), "
          f"{len(counts)} cases stored, duplicates: {len(duplicates)}")  # fmt: skip
    get_failures = [
        r for r in load.results if r[1].startswith("GET") and not (isinstance(r[2], int) and r[2] < 500)
    ]
    print(f"    GETs without a good answer: {len(get_failures)}")
    check(not duplicates, f"duplicate cases {duplicates}")
    # nginx passes a POST on only when the first server refused the connection (never received it);
    # a POST cut mid-request is answered 502 and left to the client's Idempotency-Key retry.
    check(post_502_single >= mid_post, "nginx retried a POST that had reached a server")
    check(acked <= set(counts), "an acknowledged registration is missing")
    check(not get_failures, f"GETs failed although another server was up: {get_failures[:5]}")


FAULTS = {
    "redis": fault_redis,
    "postgres": fault_postgres,
    "worker": fault_worker,
    "appserver": fault_appserver,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fault", choices=[*FAULTS, "all"], action="append", default=[])
    parser.add_argument("--redis-down", type=float, default=300, help="seconds Redis stays stopped (300)")
    parser.add_argument("--pg-down", type=float, default=5, help="seconds PostgreSQL stays down (5)")
    parser.add_argument("--before", type=float, default=5, help="seconds of load before a fault (5)")
    parser.add_argument("--after", type=float, default=10, help="seconds of load after a fault (10)")
    parser.add_argument("--drain", type=float, default=120, help="seconds to wait for the SMS outbox (120)")
    parser.add_argument(
        "--sms-stale", type=int, default=20, help="BANGBAN_SMS_STALE_SECONDS for the run (20)"
    )
    parser.add_argument("--app-workers", type=int, default=1, help="granian workers per app server (1)")
    parser.add_argument("--base-port", type=int, default=55432, help="first of the ports used (55432)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: where is it waiting?
    faults = list(FAULTS) if "all" in args.fault else args.fault
    topo = Topology(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    failures = []
    try:
        topo.up()
        figures = scenario(topo)
        log(f"SCENARIO OK {figures}")
        for name in faults:
            try:
                FAULTS[name](topo, args)
                log(f"FAULT {name} OK")
            except Failed as exc:
                failures.append(f"{name}: {exc}")
                log(f"FAULT {name} FAILED: {exc}")
    except Failed as exc:
        failures.append(str(exc))
        log(f"FAILED: {exc}")
    except KeyboardInterrupt:
        failures.append("interrupted")
    finally:
        if failures:
            args.keep = True
        topo.stop()
    print("SUMMARY: " + ("all checks passed" if not failures else "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
