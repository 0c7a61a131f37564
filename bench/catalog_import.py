"""Benchmark: import a generated 10,000-item catalog workbook, then approve the 批量导入, end to end.

    .venv/bin/python bench/catalog_import.py                 # SQLite, a throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban .venv/bin/python bench/catalog_import.py
                                                             # PostgreSQL, a throwaway <database>_bench database

The workbook (10,000 items, 3 materials and 2 legal bases each, in the import template's shape)
is generated in a child process so the peak RSS reported is the import's own. The timed part is
exactly what the import page's background job runs for a 事项管理员 (沈事项): read the .xlsx
(bounded: catalog/xlsx.py Limits from settings), validate every row and cell, then write items,
draft versions, materials, legal bases, audit rows and the submitted 批量导入 request in one
transaction. The second timed part is the review: another 事项管理员 (陆审核) approves the request,
which publishes all 10,000 versions with their audit rows in one transaction.
Target: import at most 10 s on the 2-core reference machine, on both databases; the approval is
reported beside it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "bangban_bench"  # suffixed by the given database's name, so benches on one server do not collide


def _prepare_database() -> str:
    """Point DATABASE_URL at a fresh throwaway database and say which."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        global BENCH_DB
        parts = urlsplit(url)
        if parts.path.strip("/") not in ("", "bangban", "postgres"):
            BENCH_DB = f"{parts.path.strip('/')}_bench"
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
        return f"PostgreSQL ({BENCH_DB})"
    path = Path(tempfile.mkdtemp(prefix="bangban-bench-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return f"SQLite ({path})"


def _drop_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from django.db import connections

        connections.close_all()
        admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.rmdir()


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangban.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    import django

    django.setup()


# ---- the workbook ----------------------------------------------------------------------------

SUBJECTS = [
    "食品经营",
    "药品零售",
    "排水",
    "户外广告",
    "道路占用",
    "建筑垃圾",
    "医疗机构",
    "公共场所卫生",
    "人力资源服务",
    "养老服务",
]
STAGES = ["新办", "变更", "延续", "注销", "补办"]


def generate(path: str, count: int, departments: list[tuple[str, str, str]]) -> None:
    """Write a `count`-item workbook to `path` (runs in a child process)."""
    _setup_django()
    from bangban.catalog import codes, exchange

    items, materials, legal = [], [], []
    for n in range(count):
        name, institution, credit = departments[n % len(departments)]
        basic = f"{900000000000 + n:012d}"
        code = codes.implementation_code_assemble(credit, "4", basic)
        public = n % 3 == 0
        immediate = n % 4 == 0
        items.append(
            {
                "implementation_code": code,
                "name": f"{SUBJECTS[n % len(SUBJECTS)]}许可（{STAGES[n % len(STAGES)]}）第{n}号",
                "item_type": "20 公共服务" if public else "01 行政许可",
                "public_domain": "社会服务" if public else "",
                "basic_code": basic,
                "competent_department": "市场监督管理部门",
                "department": name,
                "department_institution": institution,
                "level": "4",
                "handling_tiers": "政务服务中心、便民服务中心",
                "help_tiers": "政务服务中心、便民服务中心、便民服务站",
                "agency_tiers": "政务服务中心、便民服务中心",
                "statutory_days": "" if public else 20,
                "promised_days": 0 if immediate else 5,
                "is_immediate": "即办件" if immediate else "承诺件",
                "charges_fee": "否",
                "channels": "窗口、网上",
                "enterprise_tags": "" if public else "准营准办",
                "citizen_tags": "社会救助" if public else "",
                "conditions": "申请人具有完全民事行为能力，经营场所、设备设施和管理制度符合规定条件。",
                "procedure": "申请 → 受理 → 审查 → 决定 → 送达",
                "result_name": "许可证",
                "location": "苏州高新区政务服务中心",
                "consult_phone": "0512-12345",
                "valid_from": "2026-01-01",
            }
        )
        materials += [
            {
                "implementation_code": code,
                "name": "申请书",
                "kind": "原件",
                "copies": 1,
                "required": "必要",
                "source": "申请人自备",
            },
            {
                "implementation_code": code,
                "name": "营业执照",
                "kind": "电子件",
                "copies": 1,
                "required": "必要",
                "source": "数据共享",
            },
            {
                "implementation_code": code,
                "name": "授权委托书及受托人身份证件",
                "kind": "原件",
                "copies": 1,
                "required": "按情形",
                "condition": "委托他人办理的",
                "source": "申请人自备",
            },
        ]
        legal += [
            {
                "implementation_code": code,
                "rank": "法律",
                "title": "《中华人民共和国行政许可法》",
                "article": "第十二条",
                "text": "下列事项可以设定行政许可：……",
            },
            {
                "implementation_code": code,
                "rank": "部门规章",
                "title": "《食品经营许可和备案管理办法》",
                "article": "",
                "text": "",
            },
        ]
    Path(path).write_bytes(exchange.write_workbook(items, materials, legal))


# ---- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()

    where = _prepare_database()
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bangban.accounts.models import User
    from bangban.audit.models import AuditEvent
    from bangban.catalog.models import Item, ItemVersion, LegalBasis, Material
    from bangban.catalog.services import adjustment_approve, catalog_import_xlsx
    from bangban.org.demo import load_demo
    from bangban.org.models import Department

    try:
        call_command("migrate", verbosity=0)
        load_demo()  # the real 苏州高新区 organization: departments with credit codes, 事项管理员 accounts
        departments = [
            (d.name, d.institution.name, d.credit_code)
            for d in Department.objects.exclude(credit_code="").select_related("institution")
        ]
        user = User.objects.get(username="shixiang")
        reviewer = User.objects.get(username="shixiang2")

        workbook = Path(tempfile.mkdtemp(prefix="bangban-bench-xlsx-")) / "catalog.xlsx"
        started = time.perf_counter()
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=generate, args=(str(workbook), args.items, departments))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("workbook generation failed")
        data = workbook.read_bytes()
        print(f"database: {where} ({connection.vendor})")
        print(
            f"workbook: {args.items} items, {len(data) / 1e6:.1f} MB, generated in {time.perf_counter() - started:.1f} s"
        )

        marks: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            marks.setdefault(phase, time.perf_counter())

        # What the upload itself checks (size, zip directory) before the job is stored.
        from bangban.catalog.xlsx import inspect_workbook

        t_check = time.perf_counter()
        inspect_workbook(data)
        check = time.perf_counter() - t_check

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        result = catalog_import_xlsx(by=user, data=data, filename=workbook.name, progress=progress)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        assert result.created == args.items == Item.objects.count() == ItemVersion.objects.count()
        assert Material.objects.count() == 3 * args.items and LegalBasis.objects.count() == 2 * args.items
        assert not ItemVersion.objects.filter(state=ItemVersion.State.PUBLISHED).exists()

        cpu1 = time.process_time()
        t1 = time.perf_counter()
        adjustment_approve(by=reviewer, adjustment=result.adjustment, note="已核对")
        approval = time.perf_counter() - t1
        approval_cpu = time.process_time() - cpu1
        published = ItemVersion.objects.filter(state=ItemVersion.State.PUBLISHED).count()
        audited = AuditEvent.objects.filter(action="catalog.version.publish").count()
        assert published == audited == args.items
        assert Item.objects.filter(status=Item.Status.ACTIVE).count() == args.items
        read = marks.get("validate", t0) - t0
        validate = marks.get("write", t0) - marks.get("validate", t0)
        write = t0 + elapsed - marks.get("write", t0)
        print(
            f"import: {elapsed:.2f} s  ({args.items / elapsed:,.0f} items/s)  "
            f"read {read:.2f} s · validate {validate:.2f} s · write {write:.2f} s; "
            f"CPU of this process {cpu:.2f} s (wall minus CPU is waiting: database, other processes)"
        )
        print(
            f"approval by another 事项管理员: {approval:.2f} s  ({args.items / approval:,.0f} items/s), "
            f"CPU {approval_cpu:.2f} s: {published} versions published, {audited} publish audit rows"
        )
        print(f"upload check (size, zip directory): {check * 1000:.1f} ms")
        print(
            f"rows written: {result.created} items + versions, {result.materials} materials, {result.legal_bases} legal bases"
        )
        print(f"peak RSS: {rss_peak / 1024:.0f} MB (before the import: {rss_before / 1024:.0f} MB)")
        print("target: import ≤ 10 s:", "met" if elapsed <= 10 else "MISSED")
        workbook.unlink()
        workbook.parent.rmdir()
    finally:
        _drop_database()


if __name__ == "__main__":
    main()
