"""The load benchmark's own pieces (bench/): the data it generates follows the app's rules, and what it
reads from wrk and /proc means what the table says."""

from __future__ import annotations

import math
import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import models

from bangban.cases import workflow
from bangban.cases.models import OPEN_STATUSES
from bangban.cases.tests.conftest import items  # noqa: F401 (fixture)
from bangban.cases.tests.test_queue import cases  # noqa: F401 (fixture)
from bangban.core.ids import is_valid_credit_code, is_valid_resident_id, mobile_problem
from bench import cases_load, generate
from bench.cases_load import Target, cpu_used, lua, parse_wrk, table


@pytest.mark.parametrize(
    ("kind", "status"), [(kind, status) for kind, mix in generate.STATUS_MIX.items() for status, _ in mix]
)
def test_each_generated_status_is_reached_through_the_workflow(kind, status):
    path = generate.steps(kind, status)
    assert path[0] == ("create", "", workflow.INITIAL[kind])
    for action, before, after in path[1:]:
        assert workflow.target(action, kind, before) == after, (kind, action, before)
    assert path[-1][2] == status


def test_status_mix_covers_every_bucket_once_and_is_40_percent_open():
    for kind in generate.STATUS_MIX:
        rows = [r for r in generate.mix_rows() if r[0] == kind]
        assert [r[1] for r in rows] == [0, *(r[2] for r in rows[:-1])]
        assert rows[-1][2] == 100
        assert sum(upper - lower for _, lower, upper, status in rows if status in OPEN_STATUSES) == 40


def test_generated_identifiers_are_valid_and_distinct():
    ids = [generate.resident_id(i) for i in range(1, 3000)]
    assert all(is_valid_resident_id(v) for v in ids)
    codes = [generate.credit_code(i) for i in range(1, 3000)]
    assert all(is_valid_credit_code(v) for v in codes)
    assert len(set(codes)) == len(codes)
    phones = [generate.mobile(i) for i in range(1, 20000)]
    assert not [p for p in phones if mobile_problem(p)]
    assert len(set(phones)) == len(phones)


def test_applicants_are_reproducible_and_share_surnames():
    pool = list(generate.applicants(4000))
    assert pool == list(generate.applicants(4000))
    people = [p for p in pool if p["type"] == "person"]
    enterprises = [p for p in pool if p["type"] == "enterprise"]
    assert 0.1 < len(enterprises) / len(pool) < 0.2
    assert all(p["credit_code"] and p["contact"] and not p["id_number"] for p in enterprises)
    assert all(p["id_number"] and not p["credit_code"] for p in people)
    wang = sum(p["name"].startswith("王") for p in people) / len(people)
    assert 0.04 < wang < 0.11  # the commonest surname: a prefix search finds a few percent, not one row


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.31ms    4.02ms  60.11ms   80.00%
  Latency Distribution
     50%  850.00us
     75%   14.02ms
     90%   18.00ms
     99%    1.20s
  5000 requests in 5.00s, 1.00MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   1000.50
Transfer/sec:    204.00KB
"""


def test_wrk_output_in_milliseconds():
    r = parse_wrk(WRK_OUTPUT)
    assert r["p50"] == pytest.approx(0.85)
    assert r["p99"] == pytest.approx(1200)
    assert r["rps"] == pytest.approx(1000.5)
    assert r["non2xx"] == 7
    assert r["socket_errors"].endswith("timeout 3")
    assert r["requests"] == 5000


def test_a_run_where_every_request_timed_out_has_no_latency_and_misses_its_goal():
    out = WRK_OUTPUT.replace("5000 requests", "0 requests").replace("850.00us", "0.00us")
    r = parse_wrk(out)
    assert r["p50"] is None and r["p99"] is None
    assert cases_load.meets("page", r) is False
    assert cases_load.meets("create", parse_wrk(WRK_OUTPUT)) is False  # 7 non-2xx answers


def test_lua_rotates_paths_and_escapes_quotes():
    target = Target(
        "x", "x", ["/a/", "/b/?q=%E7%8E%8B"], {"Cookie": "s=1"}, "page", method="POST", body='{"n": "o\'k"}'
    )
    script = lua(target)
    assert "wrk.method = 'POST'" in script
    assert "wrk.headers['Cookie'] = 's=1'" in script
    assert 'wrk.body = \'{"n": "o\\\'k"}\'' in script
    assert "local paths = {'/a/', '/b/?q=%E7%8E%8B'}" in script
    assert "paths[1 + n % #paths]" in script


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_drawn_paths_differ_between_threads_and_runs(monkeypatch):
    """A first-view target (draw=True) must not send every wrk thread, nor the next run, through the
    same paths in the same order (they would then be served from the app's cache)."""
    seen: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(cases_load, "PORT", server.server_address[1])
    target = Target("x", "x", [f"/p/{n}/" for n in range(20_000)], {}, "page", draw=True)
    try:
        cases_load.run_wrk(lua(target), 4, 2)
        first = list(seen)
        time.sleep(1.1)  # the next run's seed: another second
        cases_load.run_wrk(lua(target), 4, 2)
    finally:
        server.shutdown()
    assert len(first) > 20 and len(seen) > len(first)
    # As many distinct paths as independent random draws give (N(1 - e^(-k/N)); 85% of 6,600 draws
    # out of 20,000), where threads and runs going through the same sequence give a quarter of k.
    drawn, paths = len(seen), len(target.paths)
    assert len(set(seen)) > 0.9 * paths * (1 - math.exp(-drawn / paths))


def _result(p50, p99=0.0, rps=0.0):
    return {"p50": p50, "p99": p99, "rps": rps, "non2xx": 0, "requests": 1}


def test_table_gives_each_row_its_goal_and_its_ratio_to_the_bare_view():
    bare = Target("bare", "bare", ["/bench/bare/"], {}, "")
    bare.results = {"single": _result(1.0), "many": _result(5.0, 9.0, 2000)}
    page = Target("queue", "/cases/", ["/cases/"], {}, "page")
    page.results = {"single": _result(10.0), "many": _result(40.0, 250.0, 300)}
    create = Target("api-create", "POST", ["/api/v1/cases/"], {}, "create")
    create.results = {"single": _result(3.0), "many": _result(20.0, 60.0, 320)}
    rows = table([bare, page, create], 16).splitlines()
    assert (
        "| /cases/ | 10.0 ms | 40.0 ms | 250.0 ms | 300 | 0 | p50 ≤ 50, p99 ≤ 200 ms | NO | 10.0 / 8.0 |"
        in rows
    )
    assert rows[-1].endswith("| ≥ 300 req/s | yes | 3.0 / 4.0 |")


def test_cpu_of_a_process_that_ended_is_not_subtracted():
    before = {1: ("app", 10.0), 2: ("postgres", 50.0), 3: ("postgres", 1.0)}
    after = {1: ("app", 12.5), 3: ("postgres", 2.0), 4: ("postgres", 0.5)}  # 2 ended, 4 began
    assert cpu_used(before, after) == {"app": 2.5, "postgres": 1.5, "redis": 0.0, "celery": 0.0}


@pytest.mark.django_db
def test_the_bare_view_exists_only_under_the_bench_urls(client, settings):
    assert client.get("/bench/bare/").status_code == 404  # production's URLs do not ship it
    settings.ROOT_URLCONF = "bench.urls"
    response = client.get("/bench/bare/")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.get("/healthz").status_code == 200  # the app's URLs are all there too


@pytest.mark.django_db
def test_the_floor_page_lists_the_agents_most_urgent_open_cases_in_the_layout(org, cases, client, settings):  # noqa: F811
    from bangban.cases.models import Case

    settings.ROOT_URLCONF = "bench.urls"
    # Signed-in users only, like the pages it stands for.
    assert client.get("/bench/floor/").status_code == 302
    agent = org.user("town_agent")
    client.force_login(agent)
    page = client.get("/bench/floor/").content.decode()
    assert "帮办代办平台" in page and agent.display_name in page  # the layout every page has
    expected = Case.objects.filter(agent=agent, status__in=OPEN_STATUSES).order_by(
        "clock_stopped", "due_date", "id"
    )
    numbers = re.findall(r"<tr><td>([^<]+)</td>", page)
    assert numbers == [c.number for c in expected] and numbers


def test_fixed_keys_let_a_reused_database_match():
    # --reuse: a second run must compute the same lookup hashes as the run that generated the rows.
    first = cases_load.django_env("postgres://x/y", "redis://z/0")
    second = cases_load.django_env("postgres://x/y", "redis://z/0")
    for key in ("BANGBAN_FIELD_KEYS", "BANGBAN_LOOKUP_KEY", "BANGBAN_AUDIT_KEY", "SECRET_KEY"):
        assert first[key] == second[key]


def test_indicator_bench_asks_valid_random_queries_the_api_accepts():
    import datetime as dt
    from urllib.parse import parse_qs, urlparse

    from django.utils import timezone

    from bangban.supervision.api import IndicatorQuerySerializer
    from bench import indicators_load

    today = dt.date(2026, 11, 30)
    paths = indicators_load.paths("/api/v1/indicators/", [1, 2, 3], today, seed=1)
    assert len(paths) == indicators_load.PATHS and paths == indicators_load.paths(
        "/api/v1/indicators/", [1, 2, 3], today, seed=1
    )
    presets = set()
    for path in paths:
        params = {k: v[0] for k, v in parse_qs(urlparse(path).query).items()}
        q = IndicatorQuerySerializer(data=params)
        assert q.is_valid(), (path, q.errors)
        start, end = q.validated_data["period"]
        assert start <= end <= max(today, timezone.localdate()) + dt.timedelta(days=366)
        presets.add(params["preset"])
    assert presets == set(indicators_load.PRESETS)
    pages = indicators_load.paths("/supervision/", [1], today, seed=2, by=False)
    assert not any("by=" in p for p in pages)


def test_indicator_bench_goals():
    from bench import indicators_load

    ok = {"p50": 40.0, "p99": 140.0, "rps": 300.0, "non2xx": 0, "requests": 1}
    assert indicators_load.meets("api", ok)
    assert not indicators_load.meets("api", ok | {"p99": 151.0})
    assert not indicators_load.meets("api", ok | {"non2xx": 1})
    assert indicators_load.meets("page", ok | {"p50": 199.0}) and not indicators_load.meets(
        "page", ok | {"p50": 201.0}
    )
    target = Target("api", "API", ["/api/v1/indicators/"], {}, "api")
    target.results = {"single": _result(5.0), "many": _result(30.0, 120.0, 500)}
    assert indicators_load.table([target], 16).splitlines()[-1] == (
        "| API | 5.0 ms | 30.0 ms | 120.0 ms | 500 | 0 | p50 ≤ 50, p99 ≤ 150 ms | yes |"
    )


def test_knowledge_articles_are_reproducible_bounded_and_found_by_the_bench_queries():
    from bangban.knowledge import text
    from bangban.knowledge.models import BODY_MAX, TITLE_MAX
    from bench import knowledge_load

    names = ["社会保障卡申领", "居民身份证申领", "个体工商户设立登记", "食品经营许可（新办）"]
    rows = list(knowledge_load.generate_articles(500, names))
    assert rows == list(knowledge_load.generate_articles(500, names))
    assert all(len(t) <= TITLE_MAX and len(b) <= BODY_MAX and 0 <= at < len(names) for t, b, at in rows)
    tokens = set()
    for title, body, _ in rows:
        tokens.update(text.index_tokens(title + body))
    # Every fixed query (as the search relaxes it) has a word the corpus holds: the bench measures real matches.
    df = dict.fromkeys(tokens, 1)
    for q in knowledge_load.QUERIES:
        assert any(set(g) & tokens for g in text.relax(text.query_groups(q), df)), q
    script = knowledge_load.lua(["/api/v1/knowledge/search?q=a", "/api/v1/knowledge/search?q=b"])
    assert script.count("/api/v1/knowledge/search") == 2 and "request = function()" in script


@pytest.mark.parametrize(
    ("model_path", "columns"),
    [
        ("bangban.evaluations.models.Review", "REVIEW_COLUMNS"),
        ("bangban.evaluations.models.Rectification", "RECT_COLUMNS"),
        ("bangban.evaluations.models.Revisit", "REVISIT_COLUMNS"),
        ("bangban.complaints.models.Complaint", "COMPLAINT_COLUMNS"),
    ],
)
def test_generated_feedback_rows_fill_every_required_column(model_path, columns):
    """COPY bypasses the models: every column without a database default that may not be null is
    written, and nothing is written to a column that does not exist."""
    from importlib import import_module

    from bench import generate_feedback

    module, name = model_path.rsplit(".", 1)
    model = getattr(import_module(module), name)
    written = set(getattr(generate_feedback, columns))
    fields = {f.column: f for f in model._meta.concrete_fields}
    assert written <= set(fields)
    required = {
        c for c, f in fields.items() if not f.null and c != "id" and f.db_default is models.NOT_PROVIDED
    }
    assert required <= written | {"id"}, required - written


def test_generated_levels_and_choices_are_the_apps():
    from bangban.evaluations.models import Level
    from bench import generate_feedback

    assert set(generate_feedback.LEVELS) == set(Level.values)
    assert generate_feedback.LEVELS.count(5) == 70 and len(generate_feedback.LEVELS) == 100
