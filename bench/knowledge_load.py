"""Load benchmark of the knowledge search (issue 11): N articles, 16 clients, SQLite or PostgreSQL.

    .venv/bin/python bench/knowledge_load.py --articles 100000 --database sqlite
    .venv/bin/python bench/knowledge_load.py --articles 100000 \\
        --database postgres://postgres@127.0.0.1:5432/bangban_kb_bench
    [--clients 16] [--duration 10] [--workers 2] [--reuse] [--redis redis://127.0.0.1:6379/6]
        [--no-result-cache]

What it does, printing each figure:
1. (Re)creates the bench database, migrates it, loads the demo organization and catalog (manage.py
   load_demo), and generates N published Q&A articles from templates over the demo's real item names
   and everyday topics (generate_articles: reproducible), tokenized by the app's segmenter, linked to
   their item; then rebuilds the index and the BM25 statistics (knowledge.index.rebuild).
2. Times the search selector alone in this process (no HTTP) for each fixed colloquial query.
3. Starts the app server as production runs it (granian, BANGBAN_ENV=production, Redis cache) with
   bench/settings.py (the search throttle off: every client is 127.0.0.1), and runs wrk at 1 client
   and at --clients against GET /api/v1/knowledge/search?q=… rotating through the fixed queries.
Target (issue 11, 100k articles, 16 clients): top 10 p50 ≤ 20 ms, p99 ≤ 80 ms, on both databases.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT))

from bench.cases_load import PORT, django_env, recreate_database, run_wrk, sh, unit_threads  # noqa: E402

QUERIES = [
    "办社保卡",
    "老人怎么办身份证",
    "个体工商户营业执照怎么办",
    "异地就医备案",
    "残疾人证补办",
    "新生儿上户口",
    "居住证签注",
    "公积金提取要什么材料",
    "低保申请条件",
    "食品经营许可证",
    "养老保险怎么交",
    "上门办理身份证",
]

TOPICS = [
    "社保卡",
    "社会保障卡",
    "居民身份证",
    "户口簿",
    "居住证",
    "医保",
    "异地就医",
    "养老保险",
    "公积金",
    "营业执照",
    "残疾人证",
    "低保",
    "高龄津贴",
    "出生医学证明",
    "结婚登记",
    "不动产登记",
]
WHO = ["老人", "老年人", "残疾人", "外地人", "孩子", "企业", "个体户", "行动不便的人", "上班族", "新市民"]
QUESTIONS = [
    "{item}需要带哪些材料？",
    "{who}办{item}可以上门服务吗？",
    "{item}多久能办好？",
    "{item}在哪里办理？",
    "{item}收费吗？",
    "帮办代办能帮{who}办{item}吗？",
    "{item}可以网上办吗？",
    "{topic}丢了，办{item}还要{topic}吗？",
    "外地户口能在本地办{item}吗？",
    "{who}的{topic}过期了怎么办{item}？",
]
ANSWERS = [
    "您好，办理{item}需携带本人{topic}原件和申请表，到{place}综合窗口办理。",
    "{item}一般{days}个工作日办结，材料齐全的可当场受理。",
    "{who}行动不便的，可拨打 12345 或联系{place}预约上门服务，帮办代办员免费上门。",
    "办理{item}不收取费用；涉及{topic}工本费的按规定收取。",
    "可通过政务服务网在线申请{item}，也可以到{place}由工作人员帮您在线提交。",
    "如{topic}遗失，请先补办{topic}，再办理{item}；急需的可申请容缺受理。",
]
PLACES = ["区政务服务中心", "镇便民服务中心", "街道便民服务中心", "村便民服务站", "社区便民服务站"]


def generate_articles(n: int, item_names: list[str], seed: int = 11):
    """(title, body, item index) for n articles: reproducible for a seed."""
    rng = random.Random(seed)
    for i in range(n):
        item_at = i % len(item_names)
        item = item_names[item_at]
        values = {
            "item": item,
            "topic": rng.choice(TOPICS),
            "who": rng.choice(WHO),
            "place": rng.choice(PLACES),
            "days": rng.choice([1, 3, 5, 7, 10, 15, 20]),
        }
        title = rng.choice(QUESTIONS).format(**values)
        body = "".join(a.format(**values) for a in rng.sample(ANSWERS, rng.randint(2, 4)))
        yield title, body, item_at


def load_articles(n: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from bangban.accounts.models import User
    from bangban.catalog.selectors import versions_in_force
    from bangban.knowledge import index, text
    from bangban.knowledge.models import Article

    author, reviewer = User.objects.get(username="shixiang"), User.objects.get(username="shixiang2")
    items = list(
        versions_in_force(on=timezone.localdate()).order_by("item_id").values_list("item_id", "name")
    )
    names = [name for _, name in items]
    now = timezone.now()
    links = Article.items.through
    batch: list[tuple[Article, int]] = []

    def flush():
        with transaction.atomic():
            saved = Article.objects.bulk_create([a for a, _ in batch])
            links.objects.bulk_create(
                [
                    links(article_id=a.pk, item_id=items[at][0])
                    for a, (_, at) in zip(saved, batch, strict=True)
                ]
            )
        batch.clear()

    started = time.perf_counter()
    for title, body, at in generate_articles(n, names):
        t, b = text.index_tokens(title), text.index_tokens(body)
        article = Article(
            kind=Article.Kind.QA,
            title=title,
            body=body,
            source=Article.Source.HOTLINE,
            status=Article.Status.PUBLISHED,
            institution_id=author.institution_id,
            written_by=author,
            reviewed_by=reviewer,
            published_at=now,
            title_tokens=" ".join(t),
            body_tokens=" ".join(b),
            tokens=" ".join(t + b),
        )
        batch.append((article, at))
        if len(batch) >= 2000:
            flush()
    if batch:
        flush()
    with transaction.atomic():
        index.rebuild()
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would after a bulk load: the planner needs the counts
        cursor.execute("ANALYZE")
    print(f"generated {n:,} articles over {len(names)} items in {time.perf_counter() - started:.0f} s")


def selector_times(rounds: int = 20) -> None:
    """The selector alone, three ways: the reference (every figure read from the database), the fast
    path without the result cache (a query nobody asked in the last minutes), and with it."""
    from django.test import override_settings

    from bangban.knowledge import selectors

    ways = [
        ("reference (fast=False)", {"fast": False}, 0),
        ("fast path, result cache off", {}, 0),
        ("fast path, result cache on", {}, 300),
    ]
    for label, kwargs, seconds in ways:
        all_ms = []
        print(label)
        with override_settings(BANGBAN_KNOWLEDGE_RESULT_SECONDS=seconds):
            for q in QUERIES:
                times = []
                for _ in range(rounds):
                    t = time.perf_counter()
                    result = selectors.search(q=q, limit=10, **kwargs)
                    times.append((time.perf_counter() - t) * 1000)
                all_ms.extend(times)
                top = result.hits[0].title if result.hits else "—"
                print(f"  {q}: {statistics.median(times):.2f} ms, {result.matched} ranked; top: {top}")
        all_ms.sort()
        p50, p99 = statistics.median(all_ms), all_ms[int(len(all_ms) * 0.99)]
        print(f"selector alone, {label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms")


def lua(paths: list[str]) -> str:
    listed = ", ".join(f"'{p}'" for p in paths)
    return (
        f"local paths = {{{listed}}}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n  return wrk.format(nil, paths[1 + n % #paths])\nend\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database", default="sqlite", help="sqlite, or a postgres:// URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    parser.add_argument(
        "--no-result-cache",
        action="store_true",
        help="serve every request without the result cache (as for queries nobody asked lately)",
    )
    args = parser.parse_args()

    if args.database == "sqlite":
        path = ROOT / "var" / "bench_knowledge.sqlite3"
        path.parent.mkdir(exist_ok=True)
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = args.database
        if not args.reuse:
            recreate_database(url)
    env = django_env(url, args.redis)
    if not args.reuse:
        sh(PY, "manage.py", "migrate", "-v0", env=env)
        sh(PY, "manage.py", "load_demo", env=env, stdout=subprocess.DEVNULL)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    if not args.reuse:
        load_articles(args.articles)
    from django.db import connection, connections

    from bangban.knowledge.models import Article

    count = Article.objects.count()
    print(f"{count:,} articles on {connection.vendor}")
    selector_times()
    connections.close_all()

    server_env = env | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    if args.no_result_cache:
        server_env["BENCH_KNOWLEDGE_RESULT_SECONDS"] = "0"

    command = [
        PY, "-m", "granian", "--interface", "wsgi", "--workers", str(args.workers), *unit_threads(),
        "--host", "127.0.0.1", "--port", str(PORT), "--log-level", "warning", "--no-access-log",
        "bangban.wsgi:application",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=server_env, cwd=ROOT)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        paths = [f"/api/v1/knowledge/search?q={quote(q)}" for q in QUERIES]
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{paths[0]}", timeout=10) as r:
            assert r.status == 200, r.status
        script = lua(paths)
        run_wrk(script, 4, 2)  # warm-up
        single = run_wrk(script, 1, max(args.duration // 2, 3))
        many = run_wrk(script, args.clients, args.duration)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    cached = "off" if args.no_result_cache else "on"
    print(
        f"\nknowledge search over {count:,} articles ({connection.vendor}), {args.workers} granian workers, "
        f"result cache {cached}"
    )
    print("| clients | p50 | p99 | req/s | non-2xx |")
    print("|---|---|---|---|---|")
    for clients, r in ((1, single), (args.clients, many)):
        p50, p99 = (f"{r[k]:.1f} ms" if r[k] is not None else "—" for k in ("p50", "p99"))
        print(f"| {clients} | {p50} | {p99} | {r['rps']:.0f} | {r['non2xx']} |")
    print("target (16 clients): p50 ≤ 20 ms, p99 ≤ 80 ms")


if __name__ == "__main__":
    main()
